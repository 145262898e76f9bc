package dev.amalgam.merge;

import dev.amalgam.safetensors.Encoding;
import dev.amalgam.safetensors.FloatLanes;

import java.lang.foreign.MemorySegment;

/**
 * The result's pass over whole vectors of a chunk, in the Vector API's registers ({@link LinearLanes},
 * {@link FamilyLanes}): an interface of plain types, so {@link JavaCpuKernel} loads without the incubator module.
 */
interface ChunkLanes {
    /**
     * Elements {@code [at, at + vectors)} ({@code vectors} a multiple of {@link FloatLanes#LANES}) into
     * {@code window}, in {@code encoding}. Where {@code counted} is not null and {@code counted[i]} not -1, model i's
     * |delta| at most its threshold and below it are added to {@code atMost[counted[i]]} and
     * {@code below[counted[i]]} (a threshold guess's count). {@code scratch}: the range's scratch arrays, the lanes'
     * to use (the plain loops take the chunk's last elements after them).
     * Returns how many results are not finite.
     */
    long chunk(long at, int vectors, Encoding encoding, MemorySegment window, int[] counted, long[] atMost, long[] below,
               KernelInputs.Scratch scratch);
}
