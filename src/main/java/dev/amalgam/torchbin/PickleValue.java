package dev.amalgam.torchbin;

import java.util.List;

/** The few object kinds a state dict's pickle builds besides strings, numbers, lists and dicts. */
sealed interface PickleValue {
    /** A pickle tuple (kept apart from lists: persistent ids and reduce arguments are tuples). */
    record Tuple(List<Object> items) implements PickleValue {
        public Tuple {
            items = java.util.Collections.unmodifiableList(new java.util.ArrayList<>(items)); // items may be None (null)
        }
    }

    /** An allowed global ({@code module.name}), never resolved to code: {@link PickleMachine} interprets it. */
    record Global(String module, String name) implements PickleValue {
        @Override
        public String toString() {
            return module + "." + name;
        }
    }

    /**
     * A storage named by a persistent id: its key (the zip entry or the legacy key), its storage class
     * ({@code FloatStorage}, ...) and, for a legacy storage view, the element offset of the view in its root.
     */
    record Storage(String key, String storageClass, long viewOffset) implements PickleValue {
    }

    /** {@code torch._utils._rebuild_tensor_v2(storage, offset, size, stride, ...)}: a strided view of a storage, in elements. */
    record TensorRef(Storage storage, long offset, long[] shape, long[] stride) implements PickleValue {
    }
}
