package dev.amalgam.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.amalgam.merge.MergeMethods;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

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

    /**
     * merge-parity writes its models, recipes and merges into DIR: a folder holding anything else, or a recipe of its
     * name with other content, is refused before anything is written, and nothing of it changes.
     */
    @Test
    void mergeParityRefusesAFolderOfTheUsers(@TempDir Path dir) throws Exception {
        Path notes = Files.writeString(dir.resolve("notes.txt"), "mine");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GpuCheck.mergeParity(dir));
        assertTrue(e.getMessage().contains("notes.txt"), e.getMessage());
        assertEquals(List.of(notes), listed(dir));
        Files.delete(notes);
        Path base = Files.createDirectories(dir.resolve("base"));
        e = assertThrows(IllegalArgumentException.class, () -> GpuCheck.mergeParity(dir));
        assertTrue(e.getMessage().contains("config.json"), e.getMessage());
        assertEquals(List.of(base), listed(dir));
        Files.delete(base);
        Path recipe = Files.writeString(dir.resolve("linear.yaml"), "merge_method: linear # mine\n");
        e = assertThrows(IllegalArgumentException.class, () -> GpuCheck.mergeParity(dir));
        assertTrue(e.getMessage().contains("linear.yaml") && e.getMessage().contains("other content"), e.getMessage());
        assertEquals(List.of(recipe), listed(dir));
        assertEquals("merge_method: linear # mine\n", Files.readString(recipe));
    }

    private static List<Path> listed(Path dir) throws IOException {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.toList();
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
