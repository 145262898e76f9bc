package dev.amalgam.evolve.run;

import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.amalgam.BadInputException;
import dev.amalgam.arch.DecoderConfig;
import dev.amalgam.arch.ModelConfig;
import dev.amalgam.cli.AmalgamCommand;
import dev.amalgam.llm.LlamaModel;
import dev.amalgam.merge.MergeKernel;
import dev.amalgam.merge.MergeMethods;
import dev.amalgam.safetensors.DType;
import dev.amalgam.evolve.config.SearchConfig;
import dev.amalgam.evolve.config.SearchConfigYaml;
import dev.amalgam.safetensors.SafetensorsModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The memory model's terms come from the real files, and a search that cannot fit stops before any work. */
class MemoryPlanTest {
    @TempDir
    Path dir;

    @Test
    void termsComeFromTheSourcesAndTheScoringModel() throws Exception {
        Path config = TinyZoo.write(dir, "ga", 6, 2, 8, "run");
        SearchConfig parsed = SearchConfigYaml.parse(config);
        var genome = GenomeLoader.load(parsed);
        MemoryPlan plan = MemoryPlan.of(genome, 1L << 40);
        long sources = 0;
        long scoring = 0;
        for (var m : genome.models()) {
            try (SafetensorsModel model = SafetensorsModel.open(Path.of(m.text()))) {
                sources += model.tensorNames().stream().mapToLong(n -> model.info(n).byteLength()).sum();
            }
        }
        if (genome.baseModel() != null) {
            try (SafetensorsModel model = SafetensorsModel.open(Path.of(genome.baseModel().text()))) {
                sources += model.tensorNames().stream().mapToLong(n -> model.info(n).byteLength()).sum();
            }
        }
        try (SafetensorsModel model = SafetensorsModel.open(genome.scoringModel())) {
            scoring = 4 * model.tensorNames().stream().mapToLong(n -> model.info(n).numel()).sum();
        }
        assertEquals(sources, plan.sources());
        assertEquals(scoring, plan.scoringModel(), "stories260K: every stored tensor is a weight the forward reads");
        long besidesHeap = plan.sources() + plan.scoringModel() + plan.merge() + plan.scoring() + MemoryPlan.NATIVE_RUNTIME;
        assertEquals(besidesHeap + Runtime.getRuntime().maxMemory(), plan.peak());
        assertEquals(besidesHeap + plan.heapStart(), plan.estimate());
        assertTrue(plan.heapStart() > 0 && plan.heapStart() <= plan.heapLimit(), plan.describe());
    }

    @Test
    void halfResidencyHalvesTheScoringModelTerm() throws Exception {
        var genome = GenomeLoader.load(SearchConfigYaml.parse(TinyZoo.write(dir, "ga", 6, 2, 8, "run")));
        MemoryPlan f32 = MemoryPlan.of(genome, DataType.FLOAT32, 1L << 40, 0);
        MemoryPlan f16 = MemoryPlan.of(genome, DataType.FLOAT16, 1L << 40, 0);
        assertEquals(f32.scoringModel(), 2 * f16.scoringModel());
        assertEquals(f32.peak() - f16.scoringModel(), f16.peak());
        assertTrue(f16.describe().contains("scoring model: fp16"), f16.describe());
    }

    /**
     * The README's GPU plan: three 7B fine-tunes plus their base (Mistral-7B shapes, 7.24e9 parameters, bf16 on disk)
     * on one 80 GB GPU with a bf16 scoring model. Every term is recomputed here from the formula, by hand.
     */
    @Test
    void threeSevenBillionFineTunesAndBaseFitOneEightyGigabyteGpuInBf16() throws Exception {
        ObjectNode c = new ObjectMapper().createObjectNode();
        c.putArray("architectures").add("MistralForCausalLM");
        c.put("hidden_size", 4096).put("intermediate_size", 14336).put("num_hidden_layers", 32).put("num_attention_heads", 32)
                .put("num_key_value_heads", 8).put("vocab_size", 32000).put("max_position_embeddings", 32768)
                .put("rms_norm_eps", 1e-5).put("rope_theta", 1e6).put("tie_word_embeddings", false);
        Files.writeString(dir.resolve("config.json"), c.toString());
        DecoderConfig config = ModelConfig.read(dir).decoder(LlamaModel.FORWARD_PASS);
        long h = 4096, i = 14336, kv = 8 * 128, v = 32000;
        long params = 2 * v * h + 32 * (2 * h * h + 2 * kv * h + 3 * h * i + 2 * h) + h;
        assertEquals(7_241_732_096L, params);
        long largest = v * h; // the embedding (and lm_head)
        long heap = 8L << 30; // -Xmx8g
        long merge = MergeKernel.workingSet(MergeMethods.byName("dare_ties", "test"), Set.of(DType.BF16), 4, largest, true);
        assertEquals(2 * 4 * largest + MergeKernel.SLACK, merge, "on a GPU, the host kernel's fp32 result uploaded, and its cast");
        int slots = MergeKernel.wideningSlots(MergeMethods.byName("dare_ties", "test"), Set.of(DType.BF16), 4);
        assertEquals(1, slots, "the host kernel widens chunks: one buffer, for its result");
        MemoryPlan plan = MemoryPlan.of(config, 4 * 2 * params, slots, largest, merge, DataType.BFLOAT16, heap / 8, heap, 100_000_000_000L, 80_000_000_000L);
        System.out.println("7B plan: " + plan.describe());
        assertEquals(2 * params, plan.scoringModel());
        assertEquals(4 * largest, plan.widening());
        long tokens = 1024;
        long scoring = tokens * 4 * (8 * h + 3 * i) + 2L * 4 * 32 * tokens * 256 + 3 * 4 * tokens * v; // logits under the 2 GiB cap
        assertEquals(scoring, plan.scoring());
        assertEquals(plan.scoringModel() + plan.merge() + scoring + MemoryPlan.CUDA_RUNTIME, plan.devicePeak());
        assertEquals(8 * params + 4 * largest + heap + MemoryPlan.NATIVE_RUNTIME, plan.peak());
        assertEquals(plan.peak() - heap + heap / 8, plan.estimate());
        assertTrue(plan.devicePeak() < 0.9 * 80e9, plan.describe());
        plan.check();
        MemoryPlan f32 = MemoryPlan.of(config, 4 * 2 * params, slots, largest, merge, DataType.FLOAT32, heap / 8, heap, 100_000_000_000L, 80_000_000_000L);
        assertEquals(plan.devicePeak() + 2 * params, f32.devicePeak());
        MemoryPlan small = MemoryPlan.of(config, 4 * 2 * params, slots, largest, merge, DataType.BFLOAT16, heap / 8, heap, 100_000_000_000L, 16_000_000_000L);
        BadInputException e = assertThrows(BadInputException.class, small::check);
        assertTrue(e.getMessage().startsWith("the search does not fit the GPU's memory: ") && e.getMessage().contains("scoring model: bf16 14.5 GB"),
                e.getMessage());
    }

    /**
     * TinyLlama-1.1B's largest tensor (the embedding): the CPU fast path holds megabytes, the DJL path whole fp32 tensors;
     * on a GPU the fast path's result goes to the device whole, where it is cast.
     */
    @Test
    void theCpuFastPathHoldsMegabytesWhereTheDjlPathHoldsTensors() {
        long largest = 32000L * 2048;
        long fast = MergeKernel.workingSet(MergeMethods.byName("dare_ties", "test"), Set.of(DType.BF16), 3, largest, false);
        // 2 task vectors: at most 16 histograms (one a thread) of 131072 int counts and their 131072 long sums, 17 x 4097 double rescale
        // levels and a sample of 64 x 1024 floats each; 16 ranges of 9 chunk rows and half a row of mask bits; the two
        // masks' bits over the tensor, an int per 16 elements
        assertEquals(2 * (16 * 131072L * 4 + 131072L * 8 + 17 * 4097L * 8 + 64 * 1024 * 4) + 16 * (9L * 16384 * 4 + 2 * 16384)
                + largest / 16 * 4, fast);
        assertTrue(fast < 50_000_000L, fast + " bytes");
        // TIES also keeps up to a sixteenth of the largest tensor's values a model, and two chunks a range, then copies them
        long ties = MergeKernel.workingSet(MergeMethods.byName("ties", "test"), Set.of(DType.BF16), 3, largest, false);
        assertEquals(fast - largest / 16 * 4 + 2 * 2 * (largest / 16 + 16 * 2 * 16384L) * 4, ties);
        long djl = 5 * 4 * largest + MergeKernel.SLACK;
        assertEquals(djl, MergeKernel.workingSet(MergeMethods.byName("della", "test"), Set.of(DType.BF16), 3, largest, false));
        assertEquals(djl, MergeKernel.workingSet(MergeMethods.byName("dare_ties", "test"), Set.of(DType.BF16, DType.I8), 3, largest, false));
        assertEquals(djl, MergeKernel.workingSet(MergeMethods.byName("della", "test"), Set.of(DType.BF16), 3, largest, true));
        assertEquals(2 * 4 * largest + MergeKernel.SLACK,
                MergeKernel.workingSet(MergeMethods.byName("dare_ties", "test"), Set.of(DType.BF16), 3, largest, true));
        assertEquals(1, MergeKernel.wideningSlots(MergeMethods.byName("dare_ties", "test"), Set.of(DType.BF16), 3));
        assertEquals(3, MergeKernel.wideningSlots(MergeMethods.byName("della", "test"), Set.of(DType.BF16), 3));
    }

    @Test
    void aBudgetTooSmallIsRefusedBeforeAnyWorkNamingTheNumbers() throws Exception {
        Path config = TinyZoo.write(dir, "ga", 6, 2, 8, "run");
        SearchConfig parsed = SearchConfigYaml.parse(config);
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        int code;
        try {
            System.setErr(new PrintStream(captured, true));
            code = AmalgamCommand.newCommandLine().execute("evolve", config.toString(), "--no-progress", "--memory-budget", "100M");
        } finally {
            System.setErr(err);
        }
        assertEquals(AmalgamCommand.EXIT_BAD_INPUT, code);
        String message = captured.toString();
        assertTrue(message.contains("does not fit the memory budget") && message.contains("scoring model: fp32")
                && message.contains("of 0.1 GB budget"), message);
        assertTrue(Files.notExists(parsed.output().dir().resolve("run")), "a refused search leaves no run folder");
    }
}
