package dev.amalgam.merge;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import dev.amalgam.recipe.RecipeParser;
import dev.amalgam.safetensors.SafetensorsModel;
import dev.amalgam.safetensors.TensorSlice;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A search run's merges read fp32 sources from a {@link SourceCache}: the results must equal merges
 * from the mapped files, for repeated candidates too (so no method writes into its inputs).
 */
class SourceCacheTest {
    @TempDir
    static Path tmp;

    static Map<String, float[]> run(MergePlan plan, OpenModels models, SourceCache cache) {
        Map<String, float[]> out = new LinkedHashMap<>();
        List<SafetensorsModel> inputs = plan.modelPaths().stream().map(models::model).toList();
        new MergeKernel(plan.method(), inputs, Device.cpu(), plan.seed(), cache, w -> { }).run(plan.tensors(), collect(out), MergeKernel.Progress.NONE);
        return out;
    }

    /** A sink that keeps each merged tensor's values by output name. */
    static TensorSink collect(Map<String, float[]> out) {
        return new TensorSink() {
            @Override
            public void accept(PlannedTensor tensor, NDArray merged) {
                out.put(tensor.outputName(), merged.toFloatArray());
            }

            @Override
            public void acceptRaw(PlannedTensor tensor, TensorSlice raw) {
                fail("no raw tensors expected");
            }
        };
    }

    @Test
    void cachedSourcesGiveTheSameMergesAsMappedFiles() throws IOException {
        Path base = tmp.resolve("base");
        Path a = tmp.resolve("a");
        Path b = tmp.resolve("b");
        MergeCommandEndToEndTest.SHAPE.write(base, dev.amalgam.safetensors.DType.BF16, 1, 0, 0f, 1 << 20);
        MergeCommandEndToEndTest.SHAPE.write(a, dev.amalgam.safetensors.DType.BF16, 1, 5, 1f, 1 << 20);
        MergeCommandEndToEndTest.SHAPE.write(b, dev.amalgam.safetensors.DType.F32, 1, 6, 1f, 1 << 20);
        try (OpenModels models = new OpenModels(); SourceCache cache = new SourceCache(Device.cpu())) {
            for (String method : List.of("ties", "dare_ties", "della", "breadcrumbs_ties", "task_arithmetic")) {
                Path recipe = tmp.resolve(method + ".yaml");
                Files.writeString(recipe, "merge_method: " + method + "\nbase_model: " + base + "\nrandom_seed: 4\nmodels:\n"
                        + "  - {model: " + a + ", parameters: {weight: 0.7, density: 0.5}}\n"
                        + "  - {model: " + b + ", parameters: {weight: 0.3, density: 0.6}}\n");
                MergePlan plan = MergePlanner.plan(RecipeParser.parse(recipe), models, null, w -> { });
                Map<String, float[]> mapped = run(plan, models, null);
                Map<String, float[]> first = run(plan, models, cache);
                Map<String, float[]> second = run(plan, models, cache);
                for (String name : mapped.keySet()) {
                    assertArrayEquals(mapped.get(name), first.get(name), method + " " + name);
                    assertArrayEquals(mapped.get(name), second.get(name), method + " " + name + " (cache reused)");
                }
            }
            // The sources themselves are untouched by the merges.
            try (SafetensorsModel m = SafetensorsModel.open(a)) {
                String n = "model.layers.1.mlp.up_proj.weight";
                assertArrayEquals(m.slice(n).toFloatArray(), cache.fp32(models.model(a.toAbsolutePath().normalize()), n).toFloatArray());
            }
        }
    }
}
