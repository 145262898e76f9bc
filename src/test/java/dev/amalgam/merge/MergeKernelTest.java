package dev.amalgam.merge;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.amalgam.recipe.RecipeParser;
import dev.amalgam.safetensors.DType;
import dev.amalgam.safetensors.SafetensorsModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What the kernel does for every method, so no method repeats it. */
class MergeKernelTest {
    @TempDir
    Path tmp;

    @Test
    void aTensorOnlyTheBaseHasPassesThroughUnchangedWhateverTheMethod() {
        Path base = tmp.resolve("base");
        MergeCommandEndToEndTest.SHAPE.write(base, DType.BF16, 1, 3, 1f, 1 << 20);
        ParameterValues none = ParameterValues.of(Map.of()); // the method is never called, so it reads no parameter
        try (SafetensorsModel model = SafetensorsModel.open(base); NDManager m = NDManager.newBaseManager(Device.cpu())) {
            List<PlannedTensor> plan = new ArrayList<>();
            for (String name : model.tensorNames()) {
                plan.add(new PlannedTensor(name, model.info(name).shape(), DType.F32,
                        new PlannedTensor.PlannedInput(0, name, none), List.of(), none, false));
            }
            int methods = 0;
            for (MergeMethod method : MergeMethods.all()) {
                if (method.baseRequirement() == MergeMethod.BaseRequirement.NONE) {
                    continue;
                }
                Map<String, float[]> out = new LinkedHashMap<>();
                new MergeKernel(method, List.of(model), Device.cpu(), 0L).run(plan, WideningBuffersTest.collect(out), MergeKernel.Progress.NONE);
                for (String name : model.tensorNames()) {
                    assertArrayEquals(model.slice(name).toFloat32(m).toFloatArray(), out.get(name), method.name() + " " + name);
                }
                methods++;
            }
            assertEquals(20 - 3, methods, "every method but linear, karcher and passthrough takes a base");
        }
    }

    /**
     * A sink that takes tensors whole (the scoring model on a GPU) gets the host kernel's result, as the DJL ops on the
     * device give it ({@link MergeKernel#withDeviceMath}): bit for bit, within 1e-5 under DARE's rescale (norms summed in
     * double). Which path ran shows in the widening buffers (the host kernel holds its result, the DJL path every input)
     * and in the kept rescale levels (the host kernel's only).
     */
    @Test
    void theHostKernelServesASinkThatTakesWholeTensorsAsTheDeviceMathDoes() throws IOException {
        Path base = tmp.resolve("base");
        Path a = tmp.resolve("a");
        Path b = tmp.resolve("b");
        MergeCommandEndToEndTest.SHAPE.write(base, DType.BF16, 1, 0, 0f, 1 << 20);
        MergeCommandEndToEndTest.SHAPE.write(a, DType.BF16, 1, 5, 1f, 1 << 20);
        MergeCommandEndToEndTest.SHAPE.write(b, DType.BF16, 1, 6, 1f, 1 << 20);
        try (OpenModels models = new OpenModels()) {
            for (String method : List.of("linear", "task_arithmetic", "ties", "dare_ties")) {
                Path recipe = tmp.resolve(method + ".yaml");
                Files.writeString(recipe, "merge_method: " + method + "\n" + (method.equals("linear") ? "" : "base_model: " + base + "\n")
                        + "random_seed: 4\nmodels:\n  - {model: " + a + ", parameters: {weight: 0.7, density: 0.5}}\n"
                        + "  - {model: " + b + ", parameters: {weight: 0.3, density: 0.625}}\n");
                MergePlan plan = MergePlanner.plan(RecipeParser.parse(recipe), models, null, w -> { });
                List<SafetensorsModel> inputs = plan.modelPaths().stream().map(models::model).toList();
                Map<String, float[]> host = new LinkedHashMap<>();
                Map<String, float[]> device = new LinkedHashMap<>();
                RescaleNorms.Cache hostLevels = new RescaleNorms.Cache();
                RescaleNorms.Cache deviceLevels = new RescaleNorms.Cache();
                try (WideningBuffers hostBuffers = new WideningBuffers(); WideningBuffers deviceBuffers = new WideningBuffers()) {
                    new MergeKernel(plan.method(), inputs, Device.cpu(), plan.seed(), hostBuffers, w -> { }).withRescaleNorms(hostLevels)
                            .run(plan.tensors(), WideningBuffersTest.collect(host), MergeKernel.Progress.NONE);
                    new MergeKernel(plan.method(), inputs, Device.cpu(), plan.seed(), deviceBuffers, w -> { }).withRescaleNorms(deviceLevels)
                            .withDeviceMath().run(plan.tensors(), WideningBuffersTest.collect(device), MergeKernel.Progress.NONE);
                    long largest = hostBuffers.bytesHeld(); // the result's slot: one largest tensor in fp32
                    assertEquals(inputs.size() * largest, deviceBuffers.bytesHeld(), method + ": the DJL path widens every input");
                }
                assertEquals(method.equals("dare_ties") ? 2 * plan.tensors().size() : 0, hostLevels.size(), method);
                assertEquals(0, deviceLevels.size(), method);
                assertEquals(device.keySet(), host.keySet());
                for (String name : host.keySet()) {
                    float[] want = device.get(name);
                    float[] got = host.get(name);
                    if (method.equals("dare_ties")) {
                        for (int i = 0; i < want.length; i++) {
                            assertTrue(Math.abs(want[i] - got[i]) <= 1e-5 * Math.max(1, Math.abs(want[i])), method + " " + name + " [" + i + "]");
                        }
                    } else {
                        assertArrayEquals(want, got, method + " " + name);
                    }
                }
            }
        }
    }

    @Test
    void methodsAreNeverCalledWithoutAModel() {
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            ModelTensor base = new ModelTensor(0, m.ones(new Shape(2)), ParameterValues.of(Map.of()));
            assertThrows(IllegalArgumentException.class,
                    () -> new TensorMergeContext(m, "t", base, List.of(), ParameterValues.of(Map.of()), 0L));
        }
    }
}
