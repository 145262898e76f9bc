package dev.amalgam.merge;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.amalgam.merge.ParameterSpec.Scope;
import dev.amalgam.merge.ScalarReference.Sparsify;
import dev.amalgam.safetensors.DType;
import dev.amalgam.safetensors.Encoding;
import dev.amalgam.safetensors.FloatCodec;
import dev.amalgam.safetensors.FloatLanes;
import dev.amalgam.safetensors.SafetensorsModel;
import dev.amalgam.safetensors.SafetensorsWriter;
import dev.amalgam.safetensors.TensorSlice;
import dev.amalgam.safetensors.TensorSpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The Java CPU fast path against the DJL methods it replaces on the CPU (bit for bit; within 1e-5 under
 * {@code rescale}, whose norms it sums in double) and against the scalar reference, on bf16 tensors spanning several
 * chunks and ranges, with many equal magnitudes (bf16) so that TIES' threshold has ties; TIES also on an fp32 copy,
 * whose thresholds take the radix select's second pass.
 */
class JavaCpuKernelTest {
    private static final String NAME = "model.layers.2.mlp.down_proj.weight";
    private static final String NAME_F32 = "model.layers.3.mlp.down_proj.weight"; // the same values, kept in fp32
    // bf16 fine-tunes a few bf16 steps from the base, whose deltas repeat their values (TIES' guesses hold), and the
    // same with the fine-tunes equal to the base in TIES' sample (ThresholdGuess.segments), where the guesses (0) miss
    private static final String NAME_REPEATING = "model.layers.4.mlp.down_proj.weight";
    private static final String NAME_MISLEADING = "model.layers.5.mlp.down_proj.weight";
    // NAME's values with NaN and infinities (see NON_FINITE): the lanes' masks must treat them as the plain loops' do
    private static final String NAME_NON_FINITE = "model.layers.6.mlp.down_proj.weight";
    // per model (base first): elements set to +inf, -inf and NaN. Model 1 has 6 infinite deltas (one where the base is
    // +inf) and 2 NaN: at a density that keeps 3 its threshold is +inf, where the plain loops' |delta| - t is NaN. At
    // element 14 models 1 and 2 have infinite deltas of opposite signs: kept, their sum is NaN, and so is the result
    private static final int[][][] NON_FINITE = {
            {{11}, {}, {}},
            {{9, 10, 12, 14}, {13}, {3, 7}},
            {{}, {14, 20}, {21}},
            {{30}, {}, {}}};
    private static final long[] REPEATING_SHAPE = {64, 8193}; // a full sample of 64 segments
    private static final long[] SHAPE = {23, 4001}; // 92023 elements: 6 chunks, ranges of 0 and 1 chunk
    private static final float[] LINEAR_WEIGHTS = {0.6f, 0.4f, -0.25f};

    @TempDir
    static Path tmp;
    private static final List<SafetensorsModel> MODELS = new ArrayList<>(); // base, three fine-tunes

    @BeforeAll
    static void writeModels() throws IOException {
        Random random = new Random(5);
        int n = Math.toIntExact(SHAPE[0] * SHAPE[1]);
        float[] base = new float[n];
        for (int i = 0; i < n; i++) {
            base[i] = (float) random.nextGaussian();
        }
        int r = Math.toIntExact(REPEATING_SHAPE[0] * REPEATING_SHAPE[1]);
        float[] small = new float[r]; // bf16 values of N(0, 0.02), as a trained model's
        for (int i = 0; i < r; i++) {
            small[i] = FloatCodec.bf16ToFloat(FloatCodec.floatToBf16(0.02f * (float) random.nextGaussian()));
        }
        boolean[] sampled = new boolean[r];
        for (long start : ThresholdGuess.segments(r)) {
            Arrays.fill(sampled, (int) start, (int) start + ThresholdGuess.SEGMENT, true);
        }
        var bf16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        for (int m = 0; m < 4; m++) {
            Path dir = Files.createDirectories(tmp.resolve("m" + m));
            try (Arena arena = Arena.ofConfined();
                 SafetensorsWriter w = new SafetensorsWriter(dir, List.of(new TensorSpec(NAME, DType.BF16, SHAPE),
                         new TensorSpec(NAME_F32, DType.F32, SHAPE), new TensorSpec(NAME_REPEATING, DType.BF16, REPEATING_SHAPE),
                         new TensorSpec(NAME_MISLEADING, DType.BF16, REPEATING_SHAPE),
                         new TensorSpec(NAME_NON_FINITE, DType.BF16, SHAPE)), 1L << 30, Map.of())) {
                MemorySegment bits = arena.allocate(2L * n);
                MemorySegment f32 = arena.allocate(4L * n);
                for (int i = 0; i < n; i++) {
                    float x = m == 0 ? base[i] : base[i] + 0.05f * (float) random.nextGaussian();
                    bits.setAtIndex(bf16, i, FloatCodec.floatToBf16(x));
                    f32.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), i, x);
                }
                MemorySegment repeating = arena.allocate(2L * r);
                MemorySegment misleading = arena.allocate(2L * r);
                for (int i = 0; i < r; i++) {
                    short x = FloatCodec.floatToBf16(m == 0 ? small[i] : small[i] + 0.0005f * (float) random.nextGaussian());
                    repeating.setAtIndex(bf16, i, x);
                    misleading.setAtIndex(bf16, i, sampled[i] ? FloatCodec.floatToBf16(small[i]) : x);
                }
                w.write(NAME, bits);
                w.write(NAME_F32, f32);
                w.write(NAME_REPEATING, repeating);
                w.write(NAME_MISLEADING, misleading);
                MemorySegment nonFinite = arena.allocate(2L * n).copyFrom(bits);
                float[] special = {Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN};
                for (int kind = 0; kind < special.length; kind++) {
                    for (int e : NON_FINITE[m][kind]) {
                        nonFinite.setAtIndex(bf16, e, FloatCodec.floatToBf16(special[kind]));
                    }
                }
                w.write(NAME_NON_FINITE, nonFinite);
                w.finish();
            }
            MODELS.add(SafetensorsModel.open(dir));
        }
    }

    @AfterAll
    static void close() {
        MODELS.forEach(SafetensorsModel::close);
    }

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (String method : List.of("task_arithmetic", "ties", "dare_ties", "dare_linear")) {
            out.add(Arguments.of(method, 2, new double[]{0.5, 0.3}, Map.of("rescale", false)));
            out.add(Arguments.of(method, 3, new double[]{0.7, 1.0, 0.2}, Map.of("normalize", true, "rescale", false)));
            out.add(Arguments.of(method, 2, new double[]{0.35, 0.65}, Map.of("normalize", false, "rescale", true, "lambda", 0.8)));
            out.add(Arguments.of(method, 3, new double[]{0.0, 0.5, 0.9}, Map.of()));
            out.add(Arguments.of(method, 1, new double[]{0.6}, Map.of("rescale", false))); // one model: its sum starts at +0 too
            // two models, one mask keeping every delta and one none: ties' two-model loop's bounds at both ends
            out.add(Arguments.of(method, 2, new double[]{1.0, 0.0}, Map.of("rescale", false)));
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} models={1} d={2} {3}")
    @MethodSource("cases")
    void taskArithmeticMatchesTheDjlPathAndTheReference(String name, int models, double[] densities, Map<String, Object> global) {
        MergeMethod method = MergeMethods.byName(name, "test");
        PlannedTensor t = family(method, NAME, models, densities, global);
        float[] fast = fast(method, t);
        assertBitwise(fast, streamed(method, t), name + " streamed through MergeKernel");
        float[] djl = djl(method, t);
        if (t.global().flag("rescale") && !name.equals("task_arithmetic")) {
            // The rescale factor's norms are summed in double here, in an fp32 cascade by libtorch (about 1e-6 apart).
            MergeHarness.assertClose(ScalarReference.toDouble(djl), fast, name + " vs the DJL path");
        } else {
            assertBitwise(djl, fast, name);
        }
        if (name.endsWith("ties")) {
            // On bf16 inputs many deltas are 0 or cancel exactly: the sign election's near-ties then go different ways
            // in fp32 (the methods) and in double (the reference). The DJL path, equal bit for bit above, is checked
            // against the reference on Gaussian inputs in TaskArithmeticMethodsTest.
            return;
        }
        Sparsify kind = switch (name) {
            case "ties" -> Sparsify.MAGNITUDE;
            case "dare_ties", "dare_linear" -> Sparsify.RANDOM;
            default -> Sparsify.NONE;
        };
        double[] expected = ScalarReference.taskArithmetic(kind, name.endsWith("ties"), floats(0),
                t.inputs().stream().map(in -> new ScalarReference.Model(in.modelIndex(), floats(in.modelIndex()),
                        Map.of("weight", in.params().number("weight"), "density", in.params().number("density")))).toList(),
                new int[]{(int) SHAPE[0], (int) SHAPE[1]}, t.global().flag("normalize"), t.global().flag("rescale"),
                t.global().number("lambda"), 77L, NAME);
        MergeHarness.assertClose(expected, fast, name + " vs the scalar reference");
    }

    /**
     * Linear, put in chunks or written through the target's windows in each encoding (by {@link LinearLanes} where it
     * stores that encoding), on bf16 and fp32 inputs: the DJL path's result, encoded by the plain codec, bit for bit.
     */
    @Test
    void linearMatchesTheDjlPathBitForBit() {
        MergeMethod method = MergeMethods.byName("linear", "test");
        List<Encoding> encodings = Arrays.asList(null, Encoding.of(DType.F32), Encoding.of(DType.BF16),
                new Encoding(DType.BF16, DType.F32), Encoding.of(DType.F16));
        for (String name : List.of(NAME, NAME_F32)) {
            for (int models = 1; models <= 3; models++) { // the kernel's loops differ for the first, second and later models
                for (boolean normalize : new boolean[]{true, false}) {
                    List<PlannedTensor.PlannedInput> inputs = new ArrayList<>();
                    for (int i = 0; i < models; i++) {
                        inputs.add(new PlannedTensor.PlannedInput(i + 1, name,
                                MergeHarness.resolve(method, Scope.PER_MODEL, Map.of("weight", (double) LINEAR_WEIGHTS[i]), false)));
                    }
                    PlannedTensor t = new PlannedTensor(name, SHAPE, DType.BF16, null, inputs,
                            MergeHarness.resolve(method, Scope.GLOBAL, Map.of("normalize", normalize), false), false);
                    float[] djl = djl(method, t);
                    for (Encoding encoding : encodings) {
                        String what = "linear of " + name + ", " + models + " models, normalize=" + normalize + ", " + encoding;
                        float[] expected = encoded(djl, encoding);
                        RecordedTarget direct = new RecordedTarget(t, encoding);
                        assertEquals(0, CpuFastPath.kernel(method, t, slices(t), 77L, null).run(direct), "non-finite values");
                        assertBitwise(expected, direct.values(), what);
                        boolean lanes = encoding != null && FloatLanes.encodes(encoding);
                        assertEquals(lanes, direct.puts == 0, what + ": through the windows only where the lanes store the encoding");
                        RecordedTarget streamed = new RecordedTarget(t, encoding);
                        streamed(method, t, streamed);
                        assertBitwise(expected, streamed.values(), what + ", streamed through MergeKernel");
                    }
                }
            }
        }
    }

    /**
     * TIES, DARE and task arithmetic over NaN and infinite inputs: the lanes ({@link FamilyLanes}, through the target's
     * windows) give the plain loops' bits, and as many non-finite results. TIES' model 1 has a threshold of +inf at the
     * density 3.5 / numel (the plain loops' mask is NaN where |delta| is infinite too, the lanes' a compare that is false
     * there); one case rescales (the lanes then keep the mask, factor and weight as separate products). With two models
     * and no rescale, TIES runs {@link FamilyLanes}' one loop for a pair; dare_ties without rescale its pair's loop,
     * with three models the shared loops on masks drawn first (with rescale the non-finite norms give NaN factors,
     * which the lanes' form of a contribution does not keep: the plain loops run, as for dare_linear). At model 1's
     * density 0.5, TIES keeps infinite deltas of both signs at one element, whose NaN sum the pair's election must keep.
     */
    @ParameterizedTest(name = "{0} {1} models={2} first density={3}")
    @MethodSource("nonFiniteCases")
    void nonFiniteInputsGiveThePlainLoopsBitsInTheLanes(String name, Map<String, Object> global, int models, double first) {
        MergeMethod method = MergeMethods.byName(name, "test");
        double[] densities = {first, 0.5, 0.2};
        PlannedTensor t = family(method, NAME_NON_FINITE, models, densities, global);
        if (name.equals("ties") && first == FEW) {
            assertEquals(Float.POSITIVE_INFINITY, kthLargestAbsDelta(NAME_NON_FINITE, 1, 3), "model 1's threshold");
        }
        RecordedTarget plain = new RecordedTarget(t);
        long nonFinite = CpuFastPath.kernel(method, t, slices(t), 77L, null).run(plain);
        RecordedTarget windows = new RecordedTarget(t, Encoding.of(DType.F32));
        assertEquals(nonFinite, CpuFastPath.kernel(method, t, slices(t), 77L, null).run(windows), name + ": non-finite results");
        boolean lanes = !name.startsWith("dare") || name.equals("dare_ties") && !t.global().flag("rescale") && RandomLanes.serves();
        assertEquals(lanes, windows.puts == 0, name + ": the lanes took every chunk");
        assertTrue(nonFinite >= 5, name + ": the non-finite inputs reach the result (" + nonFinite + ")");
        assertBitwise(plain.values(), windows.values(), name + " " + global + ": the lanes against the plain loops");
    }

    /**
     * Bf16 tensor {@code name} of the base and models 1..{@code models}, with {@link #LINEAR_WEIGHTS} and
     * {@code densities}, merged by {@code method} with {@code global}.
     */
    private static PlannedTensor family(MergeMethod method, String name, int models, double[] densities, Map<String, Object> global) {
        List<PlannedTensor.PlannedInput> inputs = new ArrayList<>();
        for (int i = 0; i < models; i++) {
            inputs.add(new PlannedTensor.PlannedInput(i + 1, name, MergeHarness.resolve(method, Scope.PER_MODEL,
                    Map.of("weight", (double) LINEAR_WEIGHTS[i], "density", densities[i]), false)));
        }
        return new PlannedTensor(name, SHAPE, DType.BF16, new PlannedTensor.PlannedInput(0, name,
                MergeHarness.resolve(method, Scope.PER_MODEL, Map.of(), true)), inputs,
                MergeHarness.resolve(method, Scope.GLOBAL, global, false), false);
    }

    /** Model 1's density in most non-finite cases: it keeps 3 deltas. */
    private static final double FEW = 3.5 / (SHAPE[0] * SHAPE[1]);

    static Stream<Arguments> nonFiniteCases() {
        List<Arguments> out = new ArrayList<>();
        for (int models : new int[]{2, 3}) { // two unscaled models take FamilyLanes' one loop
            out.add(Arguments.of("ties", Map.of("rescale", false), models, FEW));
            out.add(Arguments.of("ties", Map.of("rescale", true), models, FEW));
            out.add(Arguments.of("ties", Map.of("normalize", false, "rescale", false, "lambda", 0.8), models, FEW));
            out.add(Arguments.of("task_arithmetic", Map.of(), models, FEW));
            out.add(Arguments.of("dare_ties", Map.of("rescale", false), models, FEW));
            out.add(Arguments.of("dare_ties", Map.of("rescale", true), models, FEW));
            out.add(Arguments.of("dare_linear", Map.of("rescale", true), models, FEW));
            // model 1 keeps half: its +inf and model 2's -inf at element 14 are both kept (TIES: |delta| >= a finite t)
            out.add(Arguments.of("ties", Map.of("rescale", false), models, 0.5));
            out.add(Arguments.of("ties", Map.of("normalize", false, "rescale", false), models, 0.5));
        }
        return out.stream();
    }

    /** {@code values} as a target in {@code encoding} holds them (null: as they are), by the plain codec. */
    private static float[] encoded(float[] values, Encoding encoding) {
        if (encoding == null) {
            return values;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment stored = arena.allocate((long) values.length * encoding.stored().byteSize());
            FloatCodec.encode(encoding, values.clone(), values.length, stored, new FloatCodec.ChunkBuffers());
            float[] out = new float[values.length];
            FloatCodec.widen(encoding.stored(), stored, 0, new FloatCodec.ChunkBuffers(), out, out.length);
            return out;
        }
    }

    /**
     * TIES' threshold, a bf16 value (its low 16 bits are 0: usual on bf16 inputs) or not. On the bf16 tensor here,
     * model 1's threshold is a bf16 value and model 2's is not (the test checks both): model 2 (no guess) is found
     * within its sample's bracket, model 1 (a guess that misses, see
     * {@link #tiesRunsOnItsThresholdGuessesAndStartsOverWhereOneMisses}) by one radix pass; on the fp32 tensor neither is
     * a bf16 value. Every case gives the DJL path's result bit for bit.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {NAME, NAME_F32})
    void tiesThresholdIsExactWithOneRadixPassOrTwo(String name) {
        MergeMethod method = MergeMethods.byName("ties", "test");
        double[] densities = {0.5, 0.3};
        List<PlannedTensor.PlannedInput> inputs = new ArrayList<>();
        List<Boolean> bf16Thresholds = new ArrayList<>();
        for (int i = 0; i < densities.length; i++) {
            inputs.add(new PlannedTensor.PlannedInput(i + 1, name, MergeHarness.resolve(method, Scope.PER_MODEL,
                    Map.of("weight", (double) LINEAR_WEIGHTS[i], "density", densities[i]), false)));
            float threshold = kthLargestAbsDelta(name, i + 1, (long) Math.floor(densities[i] * SHAPE[0] * SHAPE[1]));
            bf16Thresholds.add((Float.floatToRawIntBits(threshold) & 0xFFFF) == 0);
        }
        assertEquals(name.equals(NAME) ? List.of(true, false) : List.of(false, false), bf16Thresholds,
                name + ": which models' thresholds are bf16 values (the cases this test is for)");
        DType dtype = name.equals(NAME) ? DType.BF16 : DType.F32;
        PlannedTensor t = new PlannedTensor(name, SHAPE, dtype, new PlannedTensor.PlannedInput(0, name,
                MergeHarness.resolve(method, Scope.PER_MODEL, Map.of(), true)), inputs,
                MergeHarness.resolve(method, Scope.GLOBAL, Map.of("rescale", false), false), false);
        assertBitwise(djl(method, t), fast(method, t), "ties on " + dtype);
    }

    /**
     * TIES without rescale runs its final pass on the sample's guesses of the thresholds and counts whether they hold:
     * one pass over the inputs where they do (deltas that repeat their values); where a guess misses (the tensor whose
     * sample shows only zeros), the radix pass finds the threshold and the final pass runs again into a restarted
     * target. On NAME, model 1's deltas repeat too little for a guess (the pass over its sample's bracket comes first)
     * and model 0's guess misses (then its radix pass and the final pass again); fp32 deltas get no guess and take the
     * bracket's pass first. The same bits as the DJL path each time, written through the target's windows by the lanes
     * (whose counts the passes show) or streamed through MergeKernel by the plain loops into a sink that is told of the
     * restart.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {NAME_REPEATING, NAME_MISLEADING, NAME, NAME_F32})
    void tiesRunsOnItsThresholdGuessesAndStartsOverWhereOneMisses(String name) {
        MergeMethod method = MergeMethods.byName("ties", "test");
        List<PlannedTensor.PlannedInput> inputs = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            inputs.add(new PlannedTensor.PlannedInput(i + 1, name, MergeHarness.resolve(method, Scope.PER_MODEL,
                    Map.of("weight", (double) LINEAR_WEIGHTS[i], "density", i == 0 ? 0.5 : 0.3), false)));
        }
        long[] shape = name.equals(NAME_REPEATING) || name.equals(NAME_MISLEADING) ? REPEATING_SHAPE : SHAPE;
        PlannedTensor t = new PlannedTensor(name, shape, name.equals(NAME_F32) ? DType.F32 : DType.BF16,
                new PlannedTensor.PlannedInput(0, name, MergeHarness.resolve(method, Scope.PER_MODEL, Map.of(), true)), inputs,
                MergeHarness.resolve(method, Scope.GLOBAL, Map.of("rescale", false), false), false);
        JavaCpuKernel kernel = CpuFastPath.kernel(method, t, slices(t), 77L, null);
        assertNotNull(kernel);
        RecordedTarget direct = new RecordedTarget(t, Encoding.of(DType.F32)); // the lanes, counting the guesses
        kernel.run(direct);
        assertEquals(0, direct.puts, "the lanes took every chunk");
        RecordedTarget streamed = new RecordedTarget(t);
        streamed(method, t, streamed);
        float[] djl = djl(method, t);
        assertBitwise(djl, direct.values(), "ties on " + name);
        assertBitwise(djl, streamed.values(), "ties on " + name + ", streamed");
        // passes: the final one; the radix pass and the final one again after a miss; a bracket's pass first for a model
        // without a guess
        int passes = switch (name) {
            case NAME_REPEATING -> 1;
            case NAME_MISLEADING -> 3;
            case NAME -> 4;
            case NAME_F32 -> 2;
            default -> throw new IllegalArgumentException(name);
        };
        assertEquals(passes, kernel.passesRun(), "passes over the inputs");
        int restarts = name.equals(NAME_MISLEADING) || name.equals(NAME) ? 1 : 0;
        assertEquals(restarts, direct.restarts, "restarts");
        assertEquals(restarts, streamed.restarts, "restarts of the streamed merge's sink");
    }

    /**
     * A search keeps DARE's rescale levels across candidates. A merge whose density is on their grid then takes its norms
     * from them, which tampering with them shows, and gives, untampered, the result of a merge without them (which sums
     * the norms directly, in another order: the same fp32 factors here) bit for bit; a density off the grid has its
     * norms summed anew.
     */
    @Test
    void keptRescaleLevelsGiveTheSameMerge() {
        MergeMethod method = MergeMethods.byName("dare_ties", "test");
        PlannedTensor onGrid = family(method, NAME, 2, new double[]{0.5, 0.3125}, Map.of("rescale", true)); // 2048 and 1280 / 4096
        PlannedTensor offGrid = family(method, NAME, 2, new double[]{0.35, 0.3125}, Map.of("rescale", true));
        RescaleNorms.Cache kept = new RescaleNorms.Cache();
        float[] plain = fast(method, onGrid);
        assertBitwise(plain, fast(method, onGrid, kept), "the merge that keeps the levels");
        assertEquals(2, kept.size(), "levels kept per model");
        assertBitwise(plain, fast(method, onGrid, kept), "a merge from the kept levels");
        assertBitwise(fast(method, offGrid), fast(method, offGrid, kept), "model 1 off the grid, model 2 from the kept levels");

        TensorSlice base = MODELS.getFirst().slice(NAME);
        for (int model = 1; model <= 2; model++) {
            TensorSlice x = MODELS.get(model).slice(NAME);
            double[] levels = kept.get(new RescaleNorms.Cache.Key(TensorRandom.streamKey(77L, model, NAME), x.file(), NAME, base.file(), NAME));
            assertNotNull(levels, "model " + model + "'s levels");
            levels[RescaleNorms.LEVELS - 1] *= 10; // above both densities: the norm before the mask grows, the one after not
        }
        float[] tampered = fast(method, onGrid, kept);
        assertTrue(!Arrays.equals(plain, tampered), "the merge took its rescale factors from the kept levels");
    }

    /** The k-th largest |x - base| in fp32, by a full sort. */
    private static float kthLargestAbsDelta(String name, int model, long k) {
        float[] x = MODELS.get(model).slice(name).toFloatArray();
        float[] base = MODELS.getFirst().slice(name).toFloatArray();
        float[] abs = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            abs[i] = Math.abs(x[i] - base[i]);
        }
        Arrays.sort(abs);
        return abs[(int) (abs.length - k)];
    }

    @Test
    void rankPerRowMethodsStayOnTheDjlPath() {
        for (String name : List.of("della", "breadcrumbs_ties", "slerp")) {
            MergeMethod method = MergeMethods.byName(name, "test");
            PlannedTensor t = new PlannedTensor(NAME, SHAPE, DType.BF16, new PlannedTensor.PlannedInput(0, NAME, ParameterValues.of(Map.of())),
                    List.of(new PlannedTensor.PlannedInput(1, NAME, ParameterValues.of(Map.of("weight", 1.0, "density", 0.5)))),
                    ParameterValues.of(Map.of()), false);
            assertNull(CpuFastPath.kernel(method, t, slices(t), 77L, null), name);
        }
    }

    private static float[] floats(int model) {
        return MODELS.get(model).slice(NAME).toFloatArray();
    }

    private static List<TensorSlice> slices(PlannedTensor t) {
        return t.allInputs().stream().map(in -> MODELS.get(in.modelIndex()).slice(in.tensorName())).toList();
    }

    private static float[] fast(MergeMethod method, PlannedTensor t) {
        return fast(method, t, null);
    }

    /**
     * The fast path's result, put in chunks; without kept levels also written through fp32 windows, which must give the
     * same bits (by the lanes, {@link FamilyLanes}, where they serve the masks).
     */
    private static float[] fast(MergeMethod method, PlannedTensor t, RescaleNorms.Cache kept) {
        JavaCpuKernel kernel = CpuFastPath.kernel(method, t, slices(t), 77L, kept);
        assertNotNull(kernel, method.name());
        RecordedTarget out = new RecordedTarget(t);
        assertEquals(0, kernel.run(out), "non-finite values");
        if (kept == null) {
            RecordedTarget windows = new RecordedTarget(t, Encoding.of(DType.F32));
            assertEquals(0, CpuFastPath.kernel(method, t, slices(t), 77L, null).run(windows), "non-finite values, windows");
            assertBitwise(out.values(), windows.values(), method.name() + " through windows");
            boolean lanes = !method.name().startsWith("dare") || method.name().equals("dare_ties") && RandomLanes.serves();
            assertEquals(lanes, windows.puts == 0, method.name() + ": the lanes took every chunk where they serve");
        }
        return out.values();
    }

    /** MergeKernel's run into a sink that takes chunks, as amalgam merge's writer and a CPU search candidate do. */
    private static float[] streamed(MergeMethod method, PlannedTensor t) {
        RecordedTarget out = new RecordedTarget(t);
        streamed(method, t, out);
        return out.values();
    }

    /** As {@link #streamed(MergeMethod, PlannedTensor)}, into {@code out}. */
    private static void streamed(MergeMethod method, PlannedTensor t, RecordedTarget out) {
        new MergeKernel(method, MODELS, Device.cpu(), 77L).run(List.of(t), new TensorSink() {
            @Override
            public void accept(PlannedTensor tensor, NDArray merged) {
                fail("the fast path hands its result over in chunks");
            }

            @Override
            public void acceptRaw(PlannedTensor tensor, TensorSlice raw) {
                fail("not a raw tensor");
            }

            @Override
            public TensorChunks chunks(PlannedTensor tensor) {
                return out;
            }
        }, MergeKernel.Progress.NONE);
        assertTrue(out.finished, "finished");
    }

    /** The method's DJL math, as the kernel ran it before the fast path. */
    private static float[] djl(MergeMethod method, PlannedTensor t) {
        try (NDManager m = NDManager.newBaseManager()) {
            ModelTensor base = t.base() == null ? null
                    : new ModelTensor(0, MODELS.getFirst().slice(t.outputName()).toFloat32(m), t.base().params());
            List<ModelTensor> models = t.inputs().stream().map(in ->
                    new ModelTensor(in.modelIndex(), MODELS.get(in.modelIndex()).slice(t.outputName()).toFloat32(m), in.params())).toList();
            return method.merge(new TensorMergeContext(m, t.outputName(), base, models, t.global(), 77L)).toFloatArray();
        }
    }

    /**
     * Bit for bit, signed zeros included; a NaN matches any NaN. Java leaves a NaN result's sign and payload open (the
     * JIT may swap a product's operands, and x86 keeps the first one's NaN): with NaN rescale factors, lanes and plain
     * loops gave NaNs of either sign.
     */
    private static void assertBitwise(float[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length, what);
        for (int i = 0; i < expected.length; i++) {
            if (Float.floatToRawIntBits(expected[i]) != Float.floatToRawIntBits(actual[i])
                    && !(Float.isNaN(expected[i]) && Float.isNaN(actual[i]))) {
                fail(what + ": element " + i + " expected " + expected[i] + " but was " + actual[i] + " (bit for bit)");
            }
        }
    }
}
