package dev.amalgam.safetensors;

import dev.amalgam.BadInputException;
import dev.amalgam.Fixtures;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** stories260K as written by real torch.save reads back equal to model.safetensors; the malicious pickle is refused. */
class TorchBinModelTest {
    @ParameterizedTest
    @ValueSource(strings = {"zip-f32", "legacy-f32", "views-f32", "sharded-bf16"})
    void everyTorchFolderEqualsTheSafetensors(String folder) {
        boolean bf16 = folder.endsWith("bf16");
        try (SafetensorsModel want = SafetensorsModel.open(Fixtures.stories260K());
             SafetensorsModel got = SafetensorsModel.open(Fixtures.stories260KTorchBin().resolve(folder))) {
            assertEquals(want.tensorNames().stream().sorted().toList(), got.tensorNames().stream().sorted().toList());
            for (String name : want.tensorNames()) {
                TensorSlice w = want.slice(name);
                TensorSlice g = got.slice(name);
                assertArrayEquals(w.shape(), g.shape(), name);
                assertEquals(bf16 ? DType.BF16 : DType.F32, g.dtype(), name);
                float[] expected = w.toFloatArray();
                if (bf16) {
                    for (int i = 0; i < expected.length; i++) {
                        expected[i] = roundToBf16(expected[i]);
                    }
                }
                assertArrayEquals(expected, g.toFloatArray(), name);
            }
        }
    }

    @Test
    void sharedStorageViewsHaveOffsetsInOneStorage() {
        try (SafetensorsModel views = SafetensorsModel.open(Fixtures.stories260KTorchBin().resolve("views-f32"))) {
            TensorInfo q = views.info("model.layers.0.self_attn.q_proj.weight");
            TensorInfo k = views.info("model.layers.0.self_attn.k_proj.weight");
            TensorInfo v = views.info("model.layers.0.self_attn.v_proj.weight");
            assertEquals(q.end(), k.begin(), "k starts where q ends in the fused storage");
            assertEquals(k.end(), v.begin());
        }
    }

    @Test
    void maliciousPickleIsRefusedNamingTheGlobalWithoutRunningIt() {
        Path folder = Fixtures.stories260KTorchBin().resolve("malicious");
        BadInputException e = assertThrows(BadInputException.class, () -> SafetensorsModel.open(folder).close());
        assertTrue(e.getMessage().contains("posix.system"), e.getMessage());
        assertTrue(e.getMessage().contains(folder.resolve("pytorch_model.bin").toString()), e.getMessage());
    }

    @Test
    void truncatedCheckpointIsBadInput(@org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
        byte[] bin = Files.readAllBytes(Fixtures.stories260KTorchBin().resolve("zip-f32/pytorch_model.bin"));
        Path cut = dir.resolve("pytorch_model.bin");
        Files.write(cut, java.util.Arrays.copyOf(bin, bin.length / 2));
        BadInputException e = assertThrows(BadInputException.class, () -> SafetensorsModel.open(dir).close());
        assertTrue(e.getMessage().startsWith(cut.toString()), e.getMessage());
    }

    /** Round to nearest even, as torch's float -> bfloat16 (no NaNs in these weights). */
    private static float roundToBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        int rounded = bits + 0x7fff + ((bits >>> 16) & 1);
        return Float.intBitsToFloat(rounded & 0xffff0000);
    }
}
