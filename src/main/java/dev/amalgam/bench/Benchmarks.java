package dev.amalgam.bench;

import dev.amalgam.BadInputException;

import java.util.Arrays;

/**
 * {@code ./build bench merge [--dir D]}, {@code ./build bench eval [--items N]}, {@code ./build bench evolve [--dir D]}, {@code ./build bench search [--seeds N]} (see {@link SearchBenchmark}), {@code ./build bench gpu CHECK} (see {@link GpuCheck}), {@code ./build bench cluster} (see {@link ClusterBenchmark}) or {@code ./build bench scale} (see {@link ScaleBenchmark}): runs a
 * benchmark and prints figures as ratios against a
 * baseline measured in the same process.
 */
public final class Benchmarks {
    private Benchmarks() {
    }

    public static void main(String[] args) throws Exception {
        String which = args.length > 0 && !args[0].startsWith("--") ? args[0] : "merge";
        String[] rest = args.length > 0 && !args[0].startsWith("--") ? Arrays.copyOfRange(args, 1, args.length) : args;
        try {
            run(which, rest);
        } catch (IllegalArgumentException | BadInputException e) { // a bad option, folder or config: one line, as the commands report bad input
            System.err.println("bench " + which + ": " + e.getMessage());
            System.exit(2);
        }
    }

    private static void run(String which, String[] rest) throws Exception {
        switch (which) {
            case "merge" -> MergeBenchmark.main(rest);
            case "eval" -> EvalBenchmark.main(rest);
            case "evolve" -> EvolveBenchmark.main(rest);
            case "search" -> SearchBenchmark.main(rest);
            case "gpu" -> GpuCheck.main(rest);
            case "cluster" -> ClusterBenchmark.main(rest);
            case "scale" -> ScaleBenchmark.main(rest);
            default -> {
                System.err.println("usage: ./build bench merge [--dir DIR] | eval [--items N] | evolve [--dir DIR] | search [--seeds N] [--strategies ga,nsga2,cmaes,random] [--fitness full,racing,anchors[+OBJECTIVE]] | gpu CHECK ... | cluster [--sleep-ms MS] [--population N] [--generations N] | cluster --demo [--rounds N] [--generations N] | scale [--dir DIR] [--items N] [--candidates N] [--no-merges] [--merges-only] [--methods linear,ties,dare_ties] [--repeat N] [--layers N] [--clean]");
                System.exit(2);
            }
        }
    }
}
