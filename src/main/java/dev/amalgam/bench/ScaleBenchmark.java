package dev.amalgam.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.amalgam.files.StagedDirectory;
import dev.amalgam.evolve.config.EvaluationSettings;
import dev.amalgam.evolve.config.GenomeSpec;
import dev.amalgam.evolve.config.OutputSettings;
import dev.amalgam.evolve.config.SearchConfig;
import dev.amalgam.evolve.config.SearchSettings;
import dev.amalgam.evolve.config.Strategy;
import dev.amalgam.evolve.config.TaskObjective;
import dev.amalgam.evolve.genome.Genome;
import dev.amalgam.evolve.run.CandidateModel;
import dev.amalgam.evolve.run.GenomeLoader;
import dev.amalgam.evolve.run.MemoryPlan;
import dev.amalgam.evolve.run.TaskSuite;
import dev.amalgam.llm.TextTokenizer;
import dev.amalgam.merge.MergeJob;
import dev.amalgam.merge.MergeKernel;
import dev.amalgam.merge.MergeMethods;
import dev.amalgam.recipe.ModelRef;
import dev.amalgam.safetensors.DType;
import dev.amalgam.safetensors.TensorSpec;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;

/**
 * {@code ./build bench scale [--dir D] [--items N] [--candidates N] [--merges-only] [--methods linear,ties,dare_ties] [--repeat N] [--layers N] [--clean]}: the real-size figures of issue 10 on three
 * synthetic bf16 models of TinyLlama-1.1B's shapes (2.2 GB each), kept in {@code D} (default
 * {@code $TMPDIR/amalgam-bench-scale}) between runs; {@code --clean} deletes that folder and exits. Reports merge GB/s
 * of linear and dare_ties against a plain copy of the same bytes, then a dare_ties search's candidates materialised in
 * memory: seconds per candidate, the merge's share, and the process's peak RSS against the {@link MemoryPlan}.
 * {@code --merges-only} skips the search; {@code --layers N} uses models of the same tensor shapes with N layers (in a
 * folder of their own), to profile the kernel without the whole model; {@code --delta-scale S} fine-tunes whose deltas are
 * S x the weights' scale (default 0.5), also in a folder of their own.
 * Run it alone and under {@code flock /tmp/bigmodel.lock}: it needs about 10 GB.
 */
final class ScaleBenchmark {
    static final SyntheticLlama TINYLLAMA = new SyntheticLlama(2048, 5632, 22, 32, 4, 32000, false);

    private ScaleBenchmark() {
    }

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(System.getProperty("java.io.tmpdir"), "amalgam-bench-scale");
        int items = 5;
        int candidates = 3;
        boolean merges = true;
        boolean evolve = true;
        List<String> methods = List.of("linear", "ties", "dare_ties");
        int repeat = 2;
        SyntheticLlama shape = TINYLLAMA;
        float deltaScale = 0.5f;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--dir" -> dir = Path.of(args[++i]);
                case "--items" -> items = Integer.parseInt(args[++i]);
                case "--candidates" -> candidates = Integer.parseInt(args[++i]);
                case "--no-merges" -> merges = false;
                case "--merges-only" -> evolve = false;
                case "--methods" -> methods = List.of(args[++i].split(","));
                case "--repeat" -> repeat = Integer.parseInt(args[++i]);
                case "--layers" -> {
                    // A mid-size model of TinyLlama's tensor shapes (for profiling the kernel quickly), in a folder of its own.
                    int layers = Integer.parseInt(args[++i]);
                    shape = new SyntheticLlama(2048, 5632, layers, 32, 4, 32000, false);
                    dir = dir.resolveSibling(dir.getFileName() + "-" + layers + "layers");
                }
                case "--delta-scale" -> {
                    // Fine-tunes nearer their base (the default 0.5 makes deltas half the weights' size; real fine-tunes'
                    // are a few percent, a few bf16 steps of the weight), in a folder of their own.
                    deltaScale = Float.parseFloat(args[++i]);
                    dir = dir.resolveSibling(dir.getFileName() + "-delta" + args[i]);
                }
                case "--clean" -> {
                    onlyOwn(dir);
                    StagedDirectory.deleteRecursively(dir);
                    System.out.println("deleted " + dir);
                    return;
                }
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        onlyOwn(dir);
        Files.createDirectories(dir);
        List<String> names = List.of("base", "ft-a", "ft-b");
        long t0 = System.nanoTime();
        Path stories = SharedFixtures.find().stories();
        for (int i = 0; i < names.size(); i++) {
            shape.writeScorable(dir.resolve(names.get(i)), DType.BF16, 1, 100 + i, i == 0 ? 0f : deltaScale, stories);
        }
        System.out.printf("models: 3 x %.2f GB bf16 in %s (%.0f s to make or find)%n", shape.bytes(DType.BF16) / 1e9, dir, (System.nanoTime() - t0) / 1e9);
        if (merges) {
            merges(dir, shape, methods, repeat);
        }
        if (evolve) {
            evolve(dir, shape, items, candidates);
        }
    }

    /**
     * Refuses a folder holding anything the benchmark does not write there (its three models and their staging
     * folders, their merges' scratch {@code out} and its recipes): a {@code --dir} of the user's, which {@code --clean}
     * would delete and a run would write into.
     */
    private static void onlyOwn(Path dir) throws IOException {
        Set<String> own = new HashSet<>(List.of("base", "ft-a", "ft-b", "base.part", "ft-a.part", "ft-b.part", "out"));
        MergeMethods.all().forEach(m -> own.add(m.name() + ".yaml"));
        OwnFolder.check(dir, own, "the scale benchmark", "--dir");
    }

    /**
     * Merge throughput (input bytes / s) against copying the same input bytes, in this process: the best of
     * {@code repeat} runs of each, so both see warm page caches and a load spike on a shared machine does not decide;
     * and each method's first run, which pays the JIT's first compiles of its loops as a one-shot merge does.
     */
    private static void merges(Path dir, SyntheticLlama shape, List<String> methods, int repeat) throws IOException {
        long largest = shape.tensors(DType.F32).stream().mapToLong(TensorSpec::byteLength).max().orElseThrow();
        Path out = dir.resolve("out");
        double copy = 0;
        double durable = 0;
        long bytes = copyBytes(dir);
        for (int r = 0; r < repeat; r++) {
            copy = Math.max(copy, bytes / plainCopy(dir, out, false) / 1e9);
            durable = Math.max(durable, bytes / plainCopy(dir, out, true) / 1e9);
        }
        System.out.printf("plain copy (read 2 models, write 1) of %.2f GB: %.2f GB/s; with the written model synced to disk"
                + " (as the merge's output is, before its rename): %.2f GB/s%n", bytes / 1e9, copy, durable);
        Map<String, double[]> timed = new LinkedHashMap<>(); // method: {seconds, input bytes}
        for (String method : methods) {
            Path recipe = dir.resolve(method + ".yaml");
            String density = method.equals("linear") ? "" : ", density: 0.5";
            OwnFolder.write(recipe, "merge_method: " + method + "\n" + (method.equals("linear") ? "" : "base_model: " + dir.resolve("base") + "\n")
                    + "dtype: bfloat16\nmodels:\n  - {model: " + dir.resolve("ft-a") + ", parameters: {weight: 0.6" + density + "}}\n"
                    + "  - {model: " + dir.resolve("ft-b") + ", parameters: {weight: 0.4" + density + "}}\n");
            double seconds = Double.MAX_VALUE;
            double first = 0; // the JIT's first compiles of this method's loops included: what a one-shot merge pays
            long in = 0;
            long peak = 0;
            long faults = 0; // the fastest run's minor page faults
            for (int r = 0; r < repeat; r++) {
                try (MergeJob job = MergeJob.prepare(new MergeJob.Options(recipe, out, 5_000_000_000L, Device.cpu(), null));
                     PeakRss rss = new PeakRss()) {
                    in = job.inputBytes();
                    double s = job.run(MergeKernel.Progress.NONE).seconds();
                    first = r == 0 ? s : first;
                    faults = s < seconds ? rss.minorFaults() : faults;
                    seconds = Math.min(seconds, s);
                    peak = Math.max(peak, rss.peak() - rss.before());
                }
                StagedDirectory.deleteRecursively(out);
            }
            int inputs = method.equals("linear") ? 2 : 3;
            long bound = (inputs + 2) * largest + MergeKernel.SLACK; // the DJL path's bound (largest: fp32 bytes)
            System.out.printf("merge %-9s %.2f GB in %6.2f s: %.2f GB/s = %.2fx the copy, %.2fx the synced copy; peak anonymous RSS +%.2f GB (bound %.2f GB); %.0fK minor page faults; first run %.2f s%n",
                    method, in / 1e9, seconds, in / seconds / 1e9, in / seconds / 1e9 / copy, in / seconds / 1e9 / durable, peak / 1e9, bound / 1e9,
                    faults / 1e3, first);
            timed.put(method, new double[]{seconds, in});
        }
        double[] linear = timed.get("linear");
        timed.forEach((method, t) -> {
            if (linear != null && !method.equals("linear")) { // issue 10's goal: within 2x of linear's time
                System.out.printf("%-9s %.2fx linear's time; per input byte %.2fx (it reads %.2f GB, linear %.2f GB)%n",
                        method, t[0] / linear[0], t[0] / t[1] / (linear[0] / linear[1]), t[1] / 1e9, linear[1] / 1e9);
            }
        });
    }

    /** The fine-tunes' safetensors files: what the copy reads (and, for ft-a, writes). */
    private static List<Path> copied(Path dir, String model) throws IOException {
        try (Stream<Path> files = Files.list(dir.resolve(model))) {
            return files.filter(p -> p.toString().endsWith(".safetensors")).toList();
        }
    }

    /** Bytes the copy reads: both fine-tunes. */
    private static long copyBytes(Path dir) throws IOException {
        long bytes = 0;
        for (String m : List.of("ft-a", "ft-b")) {
            for (Path f : copied(dir, m)) {
                bytes += Files.size(f);
            }
        }
        return bytes;
    }

    /**
     * The merge's I/O without its math: reads both fine-tunes (the merge reads the base too for the task-arithmetic
     * family), writes one model: copies ft-a and reads ft-b. Returns the seconds it took; {@code sync} forces the copy
     * to disk.
     */
    private static double plainCopy(Path dir, Path out, boolean sync) throws IOException {
        long t0 = System.nanoTime();
        Files.createDirectories(out);
        for (Path f : copied(dir, "ft-a")) {
            Path copy = out.resolve(f.getFileName());
            Files.copy(f, copy, StandardCopyOption.REPLACE_EXISTING);
            if (sync) {
                try (FileChannel ch = FileChannel.open(copy, StandardOpenOption.WRITE)) {
                    ch.force(true);
                }
            }
        }
        byte[] chunk = new byte[1 << 20];
        for (Path f : copied(dir, "ft-b")) {
            try (var in = Files.newInputStream(f)) {
                while (in.read(chunk) > 0) {
                    // read only
                }
            }
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        StagedDirectory.deleteRecursively(out);
        return seconds;
    }

    /** A dare_ties search's candidates over base + 2 fine-tunes, materialised into one fp32 scoring model. */
    private static void evolve(Path dir, SyntheticLlama shape, int items, int candidates) throws IOException {
        GenomeSpec spec = new GenomeSpec(List.of(new ModelRef(dir.resolve("ft-a").toString()), new ModelRef(dir.resolve("ft-b").toString())),
                "dare_ties", new ModelRef(dir.resolve("base").toString()), null, 4, null, false, List.of("self_attn", "mlp"), false, DType.BF16);
        SearchConfig config = new SearchConfig(spec, List.of(new TaskObjective("arc_challenge", 1, "acc")),
                new SearchSettings(Strategy.GA, 0, 1, 0, null, 7, 0),
                new EvaluationSettings(Path.of("eval-tasks").toAbsolutePath(), SharedFixtures.find().eval(), items, null, 0, 0,
                        "test", null, 0),
                new OutputSettings(dir, "bench"), dir.resolve("bench.yaml"));
        Genome genome = GenomeLoader.load(config);
        MemoryPlan plan = MemoryPlan.of(genome, MemoryPlan.defaultBudget());
        System.out.println("memory plan: " + plan.describe());
        Random random = new Random(3);
        double merge = 0;
        double score = 0;
        double firstMerge = 0;
        double firstScore = 0;
        long tokens = 0;
        long t0 = System.nanoTime();
        try (CandidateModel model = new CandidateModel(genome, Device.cpu(), w -> { });
             TextTokenizer tokenizer = TextTokenizer.load(model.tokenizerFolder())) {
            System.out.printf("scoring model loaded in %.1f s, peak RSS so far %.2f GB%n", (System.nanoTime() - t0) / 1e9, peakRss() / 1e9);
            TaskSuite suite = TaskSuite.prepare(config, "test", tokenizer, true, true);
            for (int k = 0; k < candidates; k++) {
                double[] x = genome.randomPoint(random);
                long a = System.nanoTime();
                model.materialise(x);
                long b = System.nanoTime();
                tokens += suite.evaluate(model.model()).stats().tokens();
                long c = System.nanoTime();
                System.out.printf("candidate %d: merge %.1f s, score %.1f s (%d ARC items), peak RSS %.2f GB%n",
                        k, (b - a) / 1e9, (c - b) / 1e9, items, peakRss() / 1e9);
                merge += (b - a) / 1e9;
                score += (c - b) / 1e9;
                if (k == 0) {
                    firstMerge = (b - a) / 1e9;
                    firstScore = (c - b) / 1e9;
                }
            }
        }
        System.out.printf("dare_ties candidate: %.1f s (merge %.0f%%, score %.0f%%); peak RSS %.2f GB vs estimate %.2f GB (%.0f%%), bound %.2f GB%n",
                (merge + score) / candidates, 100 * merge / (merge + score), 100 * score / (merge + score),
                peakRss() / 1e9, plan.estimate() / 1e9, 100.0 * peakRss() / plan.estimate(), plan.peak() / 1e9);
        if (candidates > 1) { // the first candidate sums the rescale norms that the others reuse (RescaleNorms)
            double later = merge - firstMerge;
            System.out.printf("candidates after the first: %.1f s (merge %.2f s, %.1f%%)%n",
                    (later + score - firstScore) / (candidates - 1), later / (candidates - 1), 100 * later / (later + score - firstScore));
        }
        flopEfficiency(shape, tokens, score);
    }

    /**
     * Scoring's FLOP efficiency: the model FLOP/s achieved (2 x parameters x forward-pass tokens / scoring seconds)
     * over the FLOP/s of a plain fp32 matmul of the model's largest shape (a 1024-token batch times the [vocab, hidden]
     * head), timed here in the same process, best of 3.
     */
    private static void flopEfficiency(SyntheticLlama shape, long tokens, double seconds) {
        long params = shape.bytes(DType.F32) / Float.BYTES;
        double achieved = 2.0 * params * tokens / seconds;
        int rows = 1024;
        double best = Double.MAX_VALUE;
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            NDArray x = m.randomNormal(new Shape(rows, shape.hidden())); // [tokens, hidden]
            NDArray w = m.randomNormal(new Shape(shape.vocab(), shape.hidden())); // [vocab, hidden]
            for (int r = 0; r < 4; r++) {
                long t = System.nanoTime();
                try (NDArray y = x.matMul(w.transpose())) { // [tokens, vocab]
                    y.getFloat(0, 0); // waits for the result
                }
                if (r > 0) { // the first warms up
                    best = Math.min(best, (System.nanoTime() - t) / 1e9);
                }
            }
        }
        double matmul = 2.0 * rows * shape.hidden() * shape.vocab() / best;
        System.out.printf("scoring: %d tokens in %.1f s, %.0f tokens/s, %.1f model GFLOP/s; fp32 matmul [%d, %d] x [%d, %d]: "
                        + "%.1f GFLOP/s; FLOP efficiency %.0f%%%n", tokens, seconds, tokens / seconds, achieved / 1e9,
                rows, shape.hidden(), shape.hidden(), shape.vocab(), matmul / 1e9, 100 * achieved / matmul);
    }

    /** VmHWM: the process's peak resident set (anonymous + mapped file pages). */
    private static long peakRss() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmHWM:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        return 0;
    }
}
