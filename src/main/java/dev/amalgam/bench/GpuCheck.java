package dev.amalgam.bench;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.amalgam.llm.LlamaModel;
import dev.amalgam.llm.ScoringDtype;
import dev.amalgam.merge.MergeJob;
import dev.amalgam.merge.MergeKernel;
import dev.amalgam.merge.MergeMethod;
import dev.amalgam.merge.MergeMethods;
import dev.amalgam.merge.ParameterSpec;
import dev.amalgam.safetensors.DType;
import dev.amalgam.safetensors.SafetensorsModel;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The device checks of {@code scripts/gpu-check}: each prints one {@code RESULT {json}} line (and appends it
 * to {@code --json FILE}), comparing the GPU with the CPU in the same process.
 * <ul>
 *   <li>{@code probe}: engine, libtorch and device facts, and one matmul on both devices;</li>
 *   <li>{@code merge-parity DIR}: every merge method on small random models, GPU vs CPU, tensor by tensor;</li>
 *   <li>{@code forward-parity MODEL [SCORING_DTYPE]}: logits of a fixed batch, GPU (weights resident in the
 *       {@code --scoring-dtype} value, default float32) vs CPU fp32;</li>
 *   <li>{@code flops MODEL [SCORING_DTYPE]}: model FLOP/s of a scoring forward pass against a plain matmul of the
 *       model's largest weight shape, in fp16 and fp32, on the GPU;</li>
 *   <li>{@code candidate-parity SEARCH_YAML DIR}: a search's candidate in the GPU's scoring model against the same
 *       recipe merged to disk and loaded there ({@link CandidateParity});</li>
 *   <li>{@code synth DIR TOKENIZER_DIR SHAPE...}: a bf16 base and two fine-tunes (base + noise) for the
 *       merge / eval / evolve timings where no PyTorch is at hand to write them faster.</li>
 * </ul>
 */
public final class GpuCheck {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Small enough to merge twice per method in seconds, large enough for real top-k and random masks. */
    private static final SyntheticLlama SMALL = new SyntheticLlama(64, 160, 3, 4, 2, 512, false);

    private GpuCheck() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: gpu probe | merge-parity DIR | forward-parity MODEL [DTYPE] | flops MODEL [DTYPE]"
                    + " | candidate-parity SEARCH_YAML DIR | synth DIR TOKENIZER_DIR HIDDEN INTERMEDIATE LAYERS HEADS KV_HEADS VOCAB  [--json FILE]");
            System.exit(2);
        }
        Path json = args.length >= 2 && "--json".equals(args[args.length - 2]) ? Path.of(args[args.length - 1]) : null;
        switch (args[0]) {
            case "probe" -> emit(json, probe());
            case "merge-parity" -> {
                for (ObjectNode r : mergeParity(Path.of(args[1]))) {
                    emit(json, r);
                }
            }
            case "forward-parity" -> emit(json, forwardParity(Path.of(args[1]), scoringDtype(args)));
            case "flops" -> emit(json, flops(Path.of(args[1]), scoringDtype(args)));
            case "candidate-parity" -> emit(json, CandidateParity.check(Path.of(args[1]), Path.of(args[2])));
            case "synth" -> synth(Path.of(args[1]), Path.of(args[2]), new SyntheticLlama(Integer.parseInt(args[3]),
                    Integer.parseInt(args[4]), Integer.parseInt(args[5]), Integer.parseInt(args[6]), Integer.parseInt(args[7]),
                    Integer.parseInt(args[8]), false));
            default -> {
                System.err.println("unknown check " + args[0]);
                System.exit(2);
            }
        }
    }

    /** The optional third argument of forward-parity and flops: an {@code --scoring-dtype} value (default float32). */
    private static ScoringDtype scoringDtype(String[] args) {
        return args.length >= 3 && !args[2].equals("--json") ? ScoringDtype.of(args[2], "gpu-check scoring dtype") : ScoringDtype.FLOAT32;
    }

    static void synth(Path dir, Path tokenizerFrom, SyntheticLlama shape) {
        shape.writeScorable(dir.resolve("base"), DType.BF16, 1, 0, 0f, tokenizerFrom);
        shape.writeScorable(dir.resolve("ft-a"), DType.BF16, 1, 11, 0.1f, tokenizerFrom);
        shape.writeScorable(dir.resolve("ft-b"), DType.BF16, 1, 12, 0.1f, tokenizerFrom);
    }

    private static void emit(Path json, ObjectNode result) throws IOException {
        String line = JSON.writeValueAsString(result);
        System.out.println("RESULT " + line);
        if (json != null) {
            Files.writeString(json, line + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        }
    }

    /** The device a check runs on: the GPU where libtorch sees one, else the CPU (a rehearsal). */
    static Device device() {
        return Engine.getInstance().getGpuCount() > 0 ? Device.gpu() : Device.cpu();
    }

    static ObjectNode result(String check) {
        ObjectNode r = JSON.createObjectNode();
        r.put("check", check);
        return r;
    }

    static ObjectNode probe() {
        Engine engine = Engine.getInstance();
        ObjectNode r = result("probe");
        r.put("engine", engine.getEngineName());
        // the version DJL's jars name (PYTORCH_VERSION, which names the JNI's folder), not the libtorch loaded: on a
        // machine's own PyTorch, gpu-check's log gives that (python3's torch.__version__)
        r.put("djl_pytorch_version", engine.getVersion());
        r.put("gpus", engine.getGpuCount());
        Device gpu = device();
        r.put("device", gpu.toString());
        // [64, 64] x [64, 64]: the same seeded values on both devices.
        try (NDManager cpu = NDManager.newBaseManager(Device.cpu()); NDManager dev = NDManager.newBaseManager(gpu)) {
            float[] v = new float[64 * 64];
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) Math.sin(i * 0.37);
            }
            NDArray a = cpu.create(v, new Shape(64, 64));
            float[] want = a.matMul(a).toFloatArray();
            float[] got = a.toDevice(gpu, true).matMul(a.toDevice(gpu, true)).toFloatArray();
            r.put("matmul_max_rel_diff", maxRelDiff(want, got));
            r.put("pass", maxRelDiff(want, got) < 1e-5);
        }
        return r;
    }

    /**
     * Every method, once on the CPU and once on the GPU, on the same base + two fine-tunes (fp32 output), in {@code dir}:
     * a new folder, or one an earlier run of this check left (its models are reused, its merges must be gone).
     */
    static List<ObjectNode> mergeParity(Path dir) throws IOException {
        Set<String> own = new HashSet<>(List.of("base", "ft-a", "ft-b"));
        MergeMethods.all().forEach(m -> own.addAll(List.of(m.name() + ".yaml", "out-cpu-" + m.name(), "out-gpu-" + m.name())));
        OwnFolder.check(dir, own, "merge-parity", "DIR");
        Path base = dir.resolve("base");
        Path a = dir.resolve("ft-a");
        Path b = dir.resolve("ft-b");
        Map<MergeMethod, String> recipes = new LinkedHashMap<>();
        for (MergeMethod method : MergeMethods.all()) { // all checked before anything is written
            recipes.put(method, recipeFor(method, base, List.of(a, b)));
            OwnFolder.mayWrite(dir.resolve(method.name() + ".yaml"), recipes.get(method));
        }
        if (!Files.exists(base.resolve("config.json"))) {
            for (Path model : List.of(base, a, b)) {
                if (Files.exists(model)) {
                    throw new IllegalArgumentException(model + " exists but " + base + " has no config.json: not models of this"
                            + " check's; name another DIR");
                }
            }
            SMALL.write(base, DType.F32, 1, 0, 0f, 1L << 30);
            SMALL.write(a, DType.F32, 1, 11, 1f, 1L << 30);
            SMALL.write(b, DType.BF16, 1, 12, 1f, 1L << 30);
        }
        Device gpu = device();
        List<ObjectNode> results = new ArrayList<>();
        for (MergeMethod method : recipes.keySet()) {
            Path recipe = Files.writeString(dir.resolve(method.name() + ".yaml"), recipes.get(method));
            Path onCpu = dir.resolve("out-cpu-" + method.name());
            Path onGpu = dir.resolve("out-gpu-" + method.name());
            ObjectNode r = result("merge-parity");
            r.put("method", method.name());
            r.put("random", method.name().startsWith("dare") || method.name().startsWith("della"));
            r.put("cpu_s", merge(recipe, onCpu, Device.cpu()));
            r.put("gpu_s", merge(recipe, onGpu, gpu));
            double worst = 0;
            String worstTensor = "";
            long elements = 0;
            long mismatched = 0; // elements off by more than 1e-6 of their tensor's largest magnitude
            try (SafetensorsModel want = SafetensorsModel.open(onCpu); SafetensorsModel got = SafetensorsModel.open(onGpu)) {
                for (String n : want.tensorNames()) {
                    float[] w = want.slice(n).toFloatArray();
                    float[] g = got.slice(n).toFloatArray();
                    double d = maxRelDiff(w, g);
                    if (d > worst) {
                        worst = d;
                        worstTensor = n;
                    }
                    elements += w.length;
                    mismatched += mismatched(w, g, 1e-6);
                }
                r.put("tensors", want.tensorNames().size());
            }
            r.put("max_rel_diff", worst);
            r.put("worst_tensor", worstTensor);
            r.put("elements", elements);
            r.put("mismatched_elements", mismatched);
            r.put("pass", worst <= 1e-6);
            results.add(r);
        }
        return results;
    }

    /** A merge on {@code device}; on a GPU every method's math runs there (the host kernel would compare with itself). */
    private static double merge(Path recipe, Path out, Device device) {
        long start = System.nanoTime();
        try (MergeJob job = MergeJob.prepare(new MergeJob.Options(recipe, out, 5_000_000_000L, device, 3L))) {
            (device.isGpu() ? job.withDeviceMath() : job).run(MergeKernel.Progress.NONE);
        }
        return (System.nanoTime() - start) / 1e9;
    }

    /** A recipe from the method's declarations: two models (or its maximum), a value for each parameter it takes. */
    static String recipeFor(MergeMethod method, Path base, List<Path> models) {
        int copies = Math.min(Math.max(2, method.minModels()), method.maxModels());
        StringBuilder yaml = new StringBuilder("merge_method: " + method.name() + "\nrandom_seed: 3\ndtype: float32\n");
        if (method.baseRequirement() != MergeMethod.BaseRequirement.NONE) {
            yaml.append("base_model: ").append(base).append('\n');
        }
        yaml.append("models:\n");
        for (int i = 0; i < copies; i++) {
            yaml.append("  - model: ").append(models.get(i % models.size())).append('\n');
            List<String> params = new ArrayList<>();
            for (ParameterSpec p : method.parameters()) {
                if (p.scope() == ParameterSpec.Scope.PER_MODEL && p.name().equals("weight")) {
                    params.add("weight: " + (i == 0 ? 0.6 : 0.4));
                } else if (p.scope() == ParameterSpec.Scope.PER_MODEL && p.name().equals("density")) {
                    params.add("density: 0.5");
                } else if (p.scope() == ParameterSpec.Scope.PER_MODEL && p.required()) {
                    params.add(p.name() + ": " + (0.3 + 0.4 * i));
                }
            }
            if (!params.isEmpty()) {
                yaml.append("    parameters: {").append(String.join(", ", params)).append("}\n");
            }
        }
        List<String> global = new ArrayList<>();
        for (ParameterSpec p : method.parameters()) {
            if (p.scope() == ParameterSpec.Scope.GLOBAL && p.required()) {
                global.add(p.name() + ": 0.3");
            }
        }
        if (!global.isEmpty()) {
            yaml.append("parameters: {").append(String.join(", ", global)).append("}\n");
        }
        return yaml.toString();
    }

    /**
     * Logits of a fixed [2, 48] batch on the CPU (fp32) and the GPU (weights resident in {@code dtype}). fp32 passes
     * within 1e-4; a 16-bit type within 8 eps x the largest |logit| (eps 2^-10 for fp16, 2^-7 for bf16), the bound the
     * CPU tests hold fp16 to (ScoringResidencyTest).
     */
    static ObjectNode forwardParity(Path modelDir, ScoringDtype dtype) {
        Device gpu = device();
        int[][] tokens = new int[2][48];
        for (int r = 0; r < tokens.length; r++) {
            for (int t = 0; t < tokens[r].length; t++) {
                tokens[r][t] = t == 0 ? 1 : 3 + (r * 131 + t * 37) % 500;
            }
        }
        int[] lengths = {48, 40};
        float[] want;
        float[] got;
        DataType resident;
        try (NDManager caller = NDManager.newBaseManager(Device.cpu())) {
            try (LlamaModel m = LlamaModel.load(modelDir, Device.cpu())) {
                want = m.logits(caller, tokens, lengths).toFloatArray(); // [2, 48, vocab]
            }
            try (LlamaModel m = LlamaModel.load(modelDir, gpu, dtype, "gpu-check scoring dtype")) {
                got = m.logits(caller, tokens, lengths).toFloatArray();
                resident = m.weights().dtype();
            }
        }
        // Rows past a sequence's length are padding: compare the real positions only.
        int vocab = want.length / (2 * 48);
        double worst = 0;
        double scale = 0;
        for (int r = 0; r < 2; r++) {
            for (int t = 0; t < lengths[r]; t++) {
                for (int v = 0; v < vocab; v++) {
                    int i = (r * 48 + t) * vocab + v;
                    worst = Math.max(worst, Math.abs(want[i] - got[i]));
                    scale = Math.max(scale, Math.abs(want[i]));
                }
            }
        }
        ObjectNode res = result(resident == DataType.FLOAT32 ? "forward-parity" : "forward-parity-" + resident);
        res.put("model", modelDir.toString());
        res.put("scoring_dtype", resident.toString());
        res.put("max_abs_logit_diff", worst);
        res.put("max_abs_logit", scale);
        if (resident == DataType.FLOAT32) {
            res.put("pass", worst <= 1e-4);
        } else {
            double eps = resident == DataType.FLOAT16 ? 0x1p-10 : 0x1p-7;
            res.put("eps_x_max_logit", worst / (eps * scale));
            res.put("pass", worst <= 8 * eps * scale);
        }
        return res;
    }

    /**
     * Achieved model FLOP/s of a scoring forward ([4, 256] tokens; 2 x matmul parameters x tokens) divided by a
     * plain matmul's FLOP/s of the model's largest weight shape at the same token count, fp16 and fp32.
     */
    static ObjectNode flops(Path modelDir, ScoringDtype dtype) {
        Device gpu = device();
        int rows = 4;
        int len = 256;
        int[][] tokens = new int[rows][len];
        for (int r = 0; r < rows; r++) {
            for (int t = 0; t < len; t++) {
                tokens[r][t] = 3 + (r * 131 + t * 37) % 500;
            }
        }
        int[] lengths = {len, len, len, len};
        ObjectNode r = result("flops");
        try (LlamaModel model = LlamaModel.load(modelDir, gpu, dtype, "gpu-check scoring dtype"); NDManager caller = NDManager.newBaseManager(gpu)) {
            r.put("scoring_dtype", model.weights().dtype().toString());
            long matmulParams = 0;
            long largestIn = 0;
            long largestOut = 0;
            try (SafetensorsModel st = SafetensorsModel.open(modelDir)) {
                for (String n : st.tensorNames()) {
                    long[] s = st.info(n).shape();
                    if (s.length == 2 && !n.contains("embed_tokens")) {
                        matmulParams += s[0] * s[1];
                        if (s[0] * s[1] > largestIn * largestOut && !n.contains("lm_head")) {
                            largestOut = s[0];
                            largestIn = s[1];
                        }
                    }
                }
            }
            double forwardS = timed(3, () -> {
                try (NDManager scope = caller.newSubManager()) {
                    model.logits(scope, tokens, lengths).sum().getFloat();
                }
            });
            double modelFlops = 2.0 * matmulParams * rows * len / forwardS;
            r.put("model", modelDir.toString());
            r.put("device", gpu.toString());
            r.put("tokens", rows * len);
            r.put("matmul_params", matmulParams);
            r.put("forward_s", forwardS);
            r.put("model_tflops", modelFlops / 1e12);
            // fp16, not bf16: DJL 0.35.1's stock JNI aborts the JVM on BFLOAT16; on tensor cores the two run at one rate.
            for (DataType type : List.of(DataType.FLOAT16, DataType.FLOAT32)) {
                try (NDManager scope = caller.newSubManager()) {
                    // [tokens, in] x [in, out]: the largest projection at the forward pass's token count.
                    NDArray x = scope.randomNormal(new Shape(rows * len, largestIn)).toType(type, false);
                    NDArray w = scope.randomNormal(new Shape(largestIn, largestOut)).toType(type, false);
                    double s = timed(20, () -> {
                        try (NDManager m = scope.newSubManager()) {
                            NDArray y = x.matMul(w);
                            y.attach(m);
                            y.get(0, 0).toType(DataType.FLOAT32, false).getFloat();
                        }
                    });
                    double tflops = 2.0 * rows * len * largestIn * largestOut / s / 1e12;
                    String key = type == DataType.FLOAT16 ? "fp16" : "fp32";
                    r.put("matmul_" + key + "_tflops", tflops);
                    r.put("efficiency_vs_" + key, modelFlops / 1e12 / tflops);
                }
            }
            r.put("matmul_shape", "[" + rows * len + "," + largestIn + "]x[" + largestIn + "," + largestOut + "]");
        }
        return r;
    }

    /** Median seconds of {@code reps} runs after one warm-up; each run ends with a host read, so the device is synchronised. */
    private static double timed(int reps, Runnable run) {
        run.run();
        double[] s = new double[reps];
        for (int i = 0; i < reps; i++) {
            long t0 = System.nanoTime();
            run.run();
            s[i] = (System.nanoTime() - t0) / 1e9;
        }
        java.util.Arrays.sort(s);
        return s[reps / 2];
    }

    /** Elements of {@code got} off by more than {@code rel} times the largest magnitude of {@code want}. */
    static long mismatched(float[] want, float[] got, double rel) {
        if (want.length != got.length) {
            return Math.max(want.length, got.length);
        }
        double scale = 0;
        for (float v : want) {
            scale = Math.max(scale, Math.abs(v));
        }
        long n = 0;
        for (int i = 0; i < want.length; i++) {
            double d = Math.abs((double) want[i] - got[i]);
            if (!(d <= rel * scale)) { // NaN counts
                n++;
            }
        }
        return n;
    }

    static double maxRelDiff(float[] want, float[] got) {
        if (want.length != got.length) {
            return Double.POSITIVE_INFINITY;
        }
        double scale = 0;
        double diff = 0;
        for (int i = 0; i < want.length; i++) {
            scale = Math.max(scale, Math.abs(want[i]));
            double d = Math.abs((double) want[i] - got[i]);
            diff = Double.isNaN(d) ? Double.POSITIVE_INFINITY : Math.max(diff, d);
        }
        return scale == 0 ? diff : diff / scale;
    }
}
