package dev.amalgam.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.amalgam.merge.MergeMethods;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The GPU check's own logic, on the CPU: with no GPU both sides run on the CPU and must agree exactly. */
class GpuCheckTest {
    @Test
    void mergeParityRunsEveryMethodAndComparesEveryTensor(@TempDir Path dir) throws Exception {
        List<ObjectNode> results = GpuCheck.mergeParity(dir);
        assertEquals(MergeMethods.all().size(), results.size());
        for (ObjectNode r : results) {
            assertEquals(0.0, r.get("max_rel_diff").asDouble(), r.toString());
            assertEquals(0, r.get("mismatched_elements").asLong(), r.toString());
            assertTrue(r.get("pass").asBoolean() && r.get("tensors").asInt() > 0, r.toString());
        }
    }

    @Test
    void relativeDifferenceIsScaledByTheReferenceAndNaNNeverPasses() {
        assertEquals(0.25, GpuCheck.maxRelDiff(new float[] {2f, -4f}, new float[] {2f, -3f}), 1e-12);
        assertEquals(Double.POSITIVE_INFINITY, GpuCheck.maxRelDiff(new float[] {1f}, new float[] {Float.NaN}));
        assertEquals(Double.POSITIVE_INFINITY, GpuCheck.maxRelDiff(new float[] {1f}, new float[] {1f, 2f}));
        assertEquals(2, GpuCheck.mismatched(new float[] {2f, -4f, 1f}, new float[] {2f, -3f, Float.NaN}, 1e-6));
    }
}
