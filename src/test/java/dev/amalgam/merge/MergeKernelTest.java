package dev.amalgam.merge;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.amalgam.safetensors.DType;
import dev.amalgam.safetensors.SafetensorsModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

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
                new MergeKernel(method, List.of(model), Device.cpu(), 0L).run(plan, SourceCacheTest.collect(out), MergeKernel.Progress.NONE);
                for (String name : model.tensorNames()) {
                    assertArrayEquals(model.slice(name).toFloat32(m).toFloatArray(), out.get(name), method.name() + " " + name);
                }
                methods++;
            }
            assertEquals(20 - 3, methods, "every method but linear, karcher and passthrough takes a base");
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
