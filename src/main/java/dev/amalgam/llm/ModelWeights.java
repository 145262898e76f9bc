package dev.amalgam.llm;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import dev.amalgam.BadInputException;
import dev.amalgam.safetensors.SafetensorsModel;
import dev.amalgam.safetensors.TensorSlice;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * A model's tensors by Hugging Face name, each an NDArray of the resident type (fp32, fp16 or bf16: see
 * {@link ScoringDtype}) owned by the model's manager (on the model's device). {@link #overwrite} writes new values into
 * an existing tensor in place, cast to the resident type on the device, so an evolve loop can try merge candidates
 * without reloading or reallocating the model.
 */
public final class ModelWeights {
    private final Map<String, NDArray> tensors; // HF name -> resident type, HF shape ([out, in] for linear layers)
    private final DataType resident;

    private ModelWeights(Map<String, NDArray> tensors, DataType resident) {
        this.tensors = tensors;
        this.resident = resident;
    }

    /**
     * Reads the named tensors (every one must exist with exactly the given shape; others in the files
     * are ignored) as copies of type {@code resident} (FLOAT32, FLOAT16 or BFLOAT16) owned by {@code manager}.
     */
    static ModelWeights read(SafetensorsModel source, Map<String, long[]> expected, NDManager manager, DataType resident) {
        if (resident != DataType.FLOAT32 && resident != DataType.FLOAT16 && resident != DataType.BFLOAT16) {
            throw new IllegalArgumentException("weights can be resident as float32, float16 or bfloat16, not " + resident);
        }
        Map<String, NDArray> tensors = new LinkedHashMap<>();
        for (var e : expected.entrySet()) {
            String name = e.getKey();
            if (!source.has(name)) {
                throw new BadInputException(source.location() + ": tensor '" + name + "' is missing");
            }
            TensorSlice slice = source.slice(name);
            if (!Arrays.equals(slice.shape(), e.getValue())) {
                throw new BadInputException(slice.file() + ": tensor '" + name + "' has shape "
                        + Arrays.toString(slice.shape()) + ", expected " + Arrays.toString(e.getValue()));
            }
            if (!slice.dtype().isFloating()) {
                throw new BadInputException(slice.file() + ": tensor '" + name + "' has dtype " + slice.dtype()
                        + ", expected a floating type");
            }
            // The arena holds the widened input only until this tensor is copied: loading peaks at the model plus
            // one tensor, not plus every GC-managed widening buffer not yet collected. Declared first, closed last.
            try (Arena widened = Arena.ofConfined(); NDManager scope = manager.newSubManager()) {
                // The fp32 copy lives in the arena closed below: duplicate it so the model owns memory
                // that outlives the arena and the file. The cast to the resident type happens on the device
                // (a 16-bit type is never made from or read into Java: DJL's JNI aborts on bf16 buffers).
                NDArray owned = slice.toFloat32(scope, widened).duplicate().toDevice(manager.getDevice(), false)
                        .toType(resident, false);
                owned.attach(manager);
                tensors.put(name, owned);
            }
        }
        return new ModelWeights(tensors, resident);
    }

    /** The type every weight is resident in. */
    public DataType dtype() {
        return resident;
    }

    /** Bytes the resident weights occupy (elements x the resident type's size, summed over the tensors). */
    public long residentBytes() {
        long bytes = 0;
        for (NDArray t : tensors.values()) {
            bytes += t.size() * t.getDataType().getNumOfBytes();
        }
        return bytes;
    }

    /** The live tensor (do not close it; writes to it change the model). */
    public NDArray get(String name) {
        NDArray t = tensors.get(name);
        if (t == null) {
            throw new IllegalArgumentException("no weight named '" + name + "'");
        }
        return t;
    }

    /**
     * The named weight's own memory (native byte order), to be written in place from Java, where the weights are on the
     * CPU and resident as FLOAT32 or FLOAT16; null elsewhere (a GPU, or bf16, which DJL's JNI cannot hand over). Every
     * tensor here is made contiguous at load and only ever written in place, so the view stays the tensor's memory.
     */
    public MemorySegment hostMemory(String name) {
        NDArray t = get(name);
        if (!t.getDevice().equals(Device.cpu()) || (resident != DataType.FLOAT32 && resident != DataType.FLOAT16)) {
            return null;
        }
        return MemorySegment.ofBuffer(t.toByteBuffer(true));
    }

    public boolean has(String name) {
        return tensors.containsKey(name);
    }

    /** Tensor names in load order. */
    public Set<String> names() {
        return Collections.unmodifiableSet(tensors.keySet());
    }

    public long[] shape(String name) {
        return get(name).getShape().getShape();
    }

    /**
     * Copies {@code src}'s values (fp32, or already of the resident type) into the named tensor in place, cast to the
     * resident type on the tensor's device (round to nearest even); shapes must match exactly.
     */
    public void overwrite(String name, NDArray src) {
        NDArray target = get(name);
        if (!target.getShape().equals(src.getShape())) {
            throw new IllegalArgumentException("weight '" + name + "' has shape " + target.getShape()
                    + ", cannot overwrite it with " + src.getShape());
        }
        if (src.getDataType() != DataType.FLOAT32 && src.getDataType() != resident) {
            throw new IllegalArgumentException("weight '" + name + "' is " + resident + ", cannot overwrite it with " + src.getDataType());
        }
        try (NDManager scope = target.getManager().newSubManager()) {
            NDArray value = src.toDevice(target.getDevice(), false);
            // Indexed assignment is a device-side in-place copy (no host round trip, no reallocation); libtorch's
            // copy casts fp32 to a 16-bit resident type with round to nearest even, as the safetensors writer does.
            target.set(new NDIndex("..."), value);
            if (value != src) {
                value.attach(scope);
            }
        }
    }
}
