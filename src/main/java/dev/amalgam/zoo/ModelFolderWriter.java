package dev.amalgam.zoo;

import ai.djl.ndarray.NDArray;
import dev.amalgam.llm.LlamaModel;
import dev.amalgam.llm.ModelWeights;
import dev.amalgam.safetensors.DType;
import dev.amalgam.files.FileContent;
import dev.amalgam.safetensors.SafetensorsModel;
import dev.amalgam.safetensors.SafetensorsWriter;
import dev.amalgam.safetensors.TensorSpec;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Writes a loaded model as a complete Hugging Face folder: fp32 safetensors of its current weights (in load
 * order, sharded like HF above {@code maxShardBytes}) plus every non-weight file of the folder it came from
 * (config.json, tokenizer files), copied byte for byte.
 */
public record ModelFolderWriter(long maxShardBytes) {
    private static final ValueLayout.OfFloat LITTLE_ENDIAN_F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    public ModelFolderWriter {
        if (maxShardBytes <= 0) {
            throw new IllegalArgumentException("maxShardBytes must be positive, got " + maxShardBytes);
        }
    }

    /** Writes {@code model}'s weights and {@code sourceDir}'s other files into the existing, empty {@code target}. */
    public void write(LlamaModel model, Path sourceDir, Path target) {
        // Weights come from the model; everything else (config, tokenizer) from the folder it was loaded from.
        copyFiles(sourceDir, target, name -> !name.endsWith(".safetensors") && !name.equals(SafetensorsModel.INDEX_FILE));
        ModelWeights weights = model.weights();
        List<TensorSpec> plan = weights.names().stream()
                .map(name -> new TensorSpec(name, DType.F32, weights.shape(name))).toList();
        try (SafetensorsWriter writer = new SafetensorsWriter(target, plan, maxShardBytes, Map.of("format", "pt"))) {
            for (String name : weights.names()) {
                NDArray tensor = weights.get(name);
                float[] values = tensor.toFloatArray();
                try (Arena arena = Arena.ofConfined()) {
                    MemorySegment f32 = arena.allocate((long) values.length * Float.BYTES);
                    MemorySegment.copy(values, 0, f32, LITTLE_ENDIAN_F32, 0, values.length);
                    writer.writeFloat32(name, f32);
                }
            }
            writer.finish();
        }
    }

    /** Copies the regular files of {@code from} whose name passes {@code keep} into the existing {@code to}. */
    static void copyFiles(Path from, Path to, Predicate<String> keep) {
        for (Path file : ContentHash.regularFiles(from)) {
            String name = file.getFileName().toString();
            if (keep.test(name)) {
                FileContent.copy(file, to.resolve(name));
            }
        }
    }
}
