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
 * A search run's merges widen their bf16/f32 sources into {@link WideningBuffers} kept for the whole run: the results
 * must equal merges with fresh buffers, for repeated candidates and after other methods left their values in the
 * buffers, and the buffers stay at (inputs) x the largest tensor in fp32.
 */
class WideningBuffersTest {
    @TempDir
    static Path tmp;

    static Map<String, float[]> run(MergePlan plan, OpenModels models, WideningBuffers buffers) {
        Map<String, float[]> out = new LinkedHashMap<>();
        List<SafetensorsModel> inputs = plan.modelPaths().stream().map(models::model).toList();
        new MergeKernel(plan.method(), inputs, Device.cpu(), plan.seed(), buffers, w -> { }).run(plan.tensors(), collect(out), MergeKernel.Progress.NONE);
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
    void reusedBuffersGiveTheSameMergesAsFreshOnes() throws IOException {
        Path base = tmp.resolve("base");
        Path a = tmp.resolve("a");
        Path b = tmp.resolve("b");
        MergeCommandEndToEndTest.SHAPE.write(base, dev.amalgam.safetensors.DType.BF16, 1, 0, 0f, 1 << 20);
        MergeCommandEndToEndTest.SHAPE.write(a, dev.amalgam.safetensors.DType.BF16, 1, 5, 1f, 1 << 20);
        MergeCommandEndToEndTest.SHAPE.write(b, dev.amalgam.safetensors.DType.F32, 1, 6, 1f, 1 << 20);
        try (OpenModels models = new OpenModels(); WideningBuffers buffers = new WideningBuffers()) {
            // The Java CPU path (ties, dare_ties, task_arithmetic) widens chunks, not tensors: it holds one buffer, for
            // its result; the DJL path (della, breadcrumbs) one per input.
            for (String method : List.of("ties", "dare_ties", "task_arithmetic", "della", "breadcrumbs_ties")) {
                Path recipe = tmp.resolve(method + ".yaml");
                Files.writeString(recipe, "merge_method: " + method + "\nbase_model: " + base + "\nrandom_seed: 4\nmodels:\n"
                        + "  - {model: " + a + ", parameters: {weight: 0.7, density: 0.5}}\n"
                        + "  - {model: " + b + ", parameters: {weight: 0.3, density: 0.6}}\n");
                MergePlan plan = MergePlanner.plan(RecipeParser.parse(recipe), models, null, w -> { });
                Map<String, float[]> fresh = run(plan, models, null);
                Map<String, float[]> first = run(plan, models, buffers);
                Map<String, float[]> second = run(plan, models, buffers);
                for (String name : fresh.keySet()) {
                    assertArrayEquals(fresh.get(name), first.get(name), method + " " + name);
                    assertArrayEquals(fresh.get(name), second.get(name), method + " " + name + " (buffers reused)");
                }
                long largest = plan.tensors().stream().mapToLong(t -> models.model(plan.modelPaths().get(0))
                        .info(t.allInputs().getFirst().tensorName()).numel()).max().orElseThrow() * 4;
                // f32 inputs are copied into their buffer too: mapped pages never reach libtorch (a file truncated
                // while mapped would kill the JVM there instead of failing in Java).
                int slots = method.startsWith("della") || method.startsWith("breadcrumbs") ? 3 : 1;
                assertEquals(slots * largest, buffers.bytesHeld(), method + ": one largest fp32 tensor for each input or the result");
            }
        }
    }
}
