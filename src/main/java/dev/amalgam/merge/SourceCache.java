package dev.amalgam.merge;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.amalgam.safetensors.SafetensorsModel;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * fp32 copies of source tensors, kept for a whole search run so that each candidate's merge starts
 * from ready tensors instead of reading and widening the sources again. Costs one fp32 copy of every
 * source tensor used (4 bytes per parameter per model); a one-off {@code amalgam merge} does not use it.
 */
public final class SourceCache implements AutoCloseable {
    private record Key(Path model, String tensor) {
    }

    private final NDManager manager;
    private final Map<Key, NDArray> arrays = new HashMap<>();
    private final Map<Key, Long> nonFinite = new HashMap<>(); // counted once, when loaded

    public SourceCache(Device device) {
        manager = NDManager.newBaseManager(device);
    }

    /** The tensor as fp32 on the cache's device, loaded on first use. Never modify it in place. */
    NDArray fp32(SafetensorsModel model, String tensor) {
        return arrays.computeIfAbsent(new Key(model.location(), tensor), k -> {
            // toFloat32 may wrap the read-only mapping: own a copy, since the cache outlives nothing else.
            try (NDManager load = manager.newSubManager()) {
                NDArray copy = model.slice(tensor).toFloat32(load).duplicate();
                nonFinite.put(k, NonFiniteCount.of(copy));
                copy.attach(manager);
                return copy;
            }
        });
    }

    /** NaN and infinite elements of the tensor (loading it on first use). */
    long nonFinite(SafetensorsModel model, String tensor) {
        fp32(model, tensor);
        return nonFinite.get(new Key(model.location(), tensor));
    }

    @Override
    public void close() {
        arrays.clear();
        nonFinite.clear();
        manager.close();
    }
}
