package dev.amalgam.bench;

import ai.djl.Device;
import dev.amalgam.files.StagedDirectory;
import dev.amalgam.merge.MergeJob;
import dev.amalgam.safetensors.DType;
import dev.amalgam.safetensors.SafetensorsModel;
import dev.amalgam.safetensors.SafetensorsWriter;
import dev.amalgam.safetensors.TensorInfo;
import dev.amalgam.safetensors.TensorSlice;
import dev.amalgam.safetensors.TensorSpec;

import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Merge throughput (GB/s of input read) for linear, ties and dare_ties on three synthetic bf16 Llama
 * models of a few hundred MB, against a plain copy of the same bytes (read every input, write one
 * output of the same size) in the same process; and each merge's peak anonymous RSS (file-backed
 * pages of the mapped inputs excluded) against the kernel's bound of (inputs + 2) x the largest
 * tensor as fp32.
 */
final class MergeBenchmark {
    private static final SyntheticLlama SHAPE = new SyntheticLlama(1024, 2816, 8, 16, 8, 32000, false);
    private static final long SHARD = 200_000_000L;

    /** Keeps the plain copy's reads observable so the JIT cannot drop them. */
    static volatile long sink;

    private MergeBenchmark() {
    }

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args.length >= 2 && args[0].equals("--dir") ? args[1] : System.getProperty("java.io.tmpdir") + "/amalgam-bench");
        Files.createDirectories(dir);
        List<Path> models = List.of(dir.resolve("base"), dir.resolve("ft-a"), dir.resolve("ft-b"));
        long oneModel = SHAPE.bytes(DType.BF16);
        for (int i = 0; i < models.size(); i++) {
            if (!Files.exists(models.get(i).resolve("config.json"))) {
                System.out.printf("writing %s (%.0f MB bf16)...%n", models.get(i).getFileName(), oneModel / 1e6);
                SHAPE.write(models.get(i), DType.BF16, 1, 100 + i, i == 0 ? 0f : 0.5f, SHARD);
            }
        }
        long largest = SHAPE.tensors(DType.F32).stream().mapToLong(TensorSpec::byteLength).max().orElseThrow();
        long inputBytes = 3 * oneModel;
        System.out.printf("inputs: 3 models x %.0f MB (bf16); largest tensor %.0f MB as fp32%n", oneModel / 1e6, largest / 1e6);

        double copySeconds = plainCopy(models, dir.resolve("copy-out"));
        System.out.printf("%-12s %8.2f s %7.2f GB/s  (baseline)%n", "plain copy", copySeconds, inputBytes / copySeconds / 1e9);

        for (String method : List.of("linear", "ties", "dare_ties")) {
            Path recipe = dir.resolve(method + ".yaml");
            Files.writeString(recipe, recipe(method, models));
            System.gc(); // start each merge from a collected heap, so the peak is this merge's own
            long start = System.nanoTime();
            long before;
            long peak;
            try (PeakRss rss = new PeakRss();
                 MergeJob job = MergeJob.prepare(new MergeJob.Options(recipe, dir.resolve("out-" + method), SHARD, Device.cpu(), 7L,
                         true, true, w -> System.err.println("amalgam: warning: " + w)))) {
                job.run((t, b) -> { });
                before = rss.before();
                peak = rss.peak();
            }
            double s = (System.nanoTime() - start) / 1e9;
            int inputs = method.equals("linear") ? 2 : 3; // linear merges the two fine-tunes; the others add the base
            long bound = (inputs + 2) * largest;
            System.out.printf("%-12s %8.2f s %7.2f GB/s  %5.2fx copy time; peak anonymous RSS +%.0f MB over %.0f MB before (bound (inputs+2) x largest = %.0f MB)%n",
                    method, s, inputBytes / s / 1e9, s / copySeconds, (peak - before) / 1e6, before / 1e6, bound / 1e6);
        }
    }

    private static String recipe(String method, List<Path> models) {
        String params = switch (method) {
            case "linear" -> "{weight: 0.5}";
            default -> "{weight: 0.5, density: 0.5}";
        };
        String base = method.equals("linear") ? "" : "base_model: " + models.get(0) + "\n";
        StringBuilder sb = new StringBuilder("merge_method: " + method + "\n" + base + "dtype: bfloat16\nmodels:\n");
        for (int i = method.equals("linear") ? 1 : 0; i < models.size(); i++) {
            sb.append("  - model: ").append(models.get(i)).append('\n');
            if (i > 0) {
                sb.append("    parameters: ").append(params).append('\n');
            }
        }
        return sb.toString();
    }

    /** Reads every byte of every input (summing to defeat dead-code elimination) and writes one model's worth. */
    private static double plainCopy(List<Path> models, Path out) {
        long start = System.nanoTime();
        long checksum = 0;
        List<SafetensorsModel> open = new ArrayList<>();
        try (StagedDirectory staged = new StagedDirectory(out)) {
            for (Path p : models) {
                open.add(SafetensorsModel.open(p));
            }
            SafetensorsModel first = open.getFirst();
            List<TensorSpec> plan = new ArrayList<>();
            for (String n : first.tensorNames()) {
                TensorInfo i = first.info(n);
                plan.add(new TensorSpec(n, i.dtype(), i.shape()));
            }
            try (SafetensorsWriter w = new SafetensorsWriter(staged.path(), plan, SHARD, Map.of())) {
                for (String n : first.tensorNames()) {
                    for (SafetensorsModel m : open) {
                        TensorSlice s = m.slice(n);
                        long len = s.data().byteSize() / 8;
                        for (long i = 0; i < len; i++) {
                            checksum += s.data().getAtIndex(ValueLayout.JAVA_LONG_UNALIGNED, i);
                        }
                    }
                    w.write(n, first.slice(n).data());
                }
                w.finish();
            }
            staged.commit(existing -> { }); // the copy of an earlier run
        } finally {
            open.forEach(SafetensorsModel::close);
        }
        sink = checksum;
        return (System.nanoTime() - start) / 1e9;
    }
}
