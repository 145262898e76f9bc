package dev.amalgam.bench;

import ai.djl.engine.Engine;
import ai.djl.util.Utils;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.ZipFile;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code scripts/gpu-bundle} on this CPU machine (after {@code package}): what the archive holds, that it fits the
 * GPU machine's 64 MiB transfer limit, and that its own Java runtime starts the CLI from the unpacked bundle with
 * the CPU libtorch loaded the way the GPU machine loads its own ({@code PYTORCH_LIBRARY_PATH}).
 */
class GpuBundleIT {
    @TempDir
    static Path dir;
    static Path bundle;
    static Path home;
    static String cpuLibtorch;

    @BeforeAll
    static void buildAndUnpack() throws Exception {
        Path archive = dir.resolve("amalgam-gpu.tar.xz");
        // xz -1: seconds instead of minutes; the documented size is the default -6's (smaller still).
        Result r = run(Map.of("GPU_BUNDLE_XZ", "-1"), List.of("scripts/gpu-bundle", archive.toString()), Path.of(""));
        assertEquals(0, r.exit(), r.out());
        bundle = archive;
        assertEquals(0, run(Map.of(), List.of("tar", "-C", dir.toString(), "-xJf", archive.toString()), Path.of("")).exit());
        home = dir.resolve("amalgam-gpu");
        Engine.getInstance(); // extracts the CPU libtorch into DJL's cache if no earlier test did
        try (Stream<Path> s = Files.list(Utils.getEngineCacheDir("pytorch"))) {
            cpuLibtorch = s.filter(p -> p.getFileName().toString().endsWith("cpu-linux-x86_64"))
                    .filter(p -> Files.exists(p.resolve("libtorch.so"))).findFirst().orElseThrow().toString();
        }
    }

    @Test
    void fitsTheTransferLimitAndHoldsOnlyWhatTheGpuMachineNeeds() throws IOException {
        assertTrue(Files.size(bundle) < 60L << 20, "bundle " + Files.size(bundle) + " bytes, limit 64 MiB with the tree");
        assertTrue(Files.isExecutable(home.resolve("runtime/bin/java")));
        assertTrue(Files.isExecutable(home.resolve("bin/amalgam")));
        assertTrue(Files.exists(home.resolve("include/jni.h")) && Files.exists(home.resolve("include/linux/jni_md.h")));
        assertTrue(Files.exists(home.resolve("eval-tasks/arc_challenge.yaml")));
        assertTrue(Files.exists(home.resolve("fixtures/stories260K/model.safetensors")));
        List<String> jars;
        try (Stream<Path> s = Files.list(home.resolve("lib"))) {
            jars = s.map(p -> p.getFileName().toString()).sorted().toList();
        }
        assertTrue(jars.contains("amalgam.jar") && jars.stream().anyMatch(j -> j.startsWith("pytorch-jni-")), jars.toString());
        assertTrue(jars.stream().noneMatch(j -> j.startsWith("pytorch-native-cpu") || j.startsWith("xchart") || j.startsWith("pdfbox")),
                jars.toString());
        for (String jar : jars) {
            try (ZipFile zip = new ZipFile(home.resolve("lib").resolve(jar).toFile())) {
                List<String> foreign = zip.stream().map(e -> e.getName())
                        .filter(n -> n.endsWith(".dll") || n.endsWith(".dylib") || n.contains("linux-aarch64/")).toList();
                assertEquals(List.of(), foreign, jar);
            }
        }
    }

    @Test
    void theBundledRuntimeStartsTheCliOnTheCpuLibtorch() throws Exception {
        Result version = bundled(List.of("--version"));
        assertEquals(0, version.exit(), version.out());
        assertTrue(version.out().contains("djl 0.35.1") && version.out().contains("java 25"), version.out());

        Result eval = bundled(List.of("eval", home.resolve("fixtures/stories260K").toString(), "--tasks", "arc_challenge",
                "--data-dir", home.resolve("fixtures/eval").toString(), "--limit", "5", "--device", "cpu"));
        assertEquals(0, eval.exit(), eval.out());
        assertTrue(eval.out().contains("acc_norm"), eval.out());
    }

    @Test
    void deviceSelectionOnAMachineWithoutGpu() throws Exception {
        Result probe = bundled(List.of("--bench", "gpu", "probe"));
        assertEquals(0, probe.exit(), probe.out());
        assertTrue(probe.out().contains("\"gpus\":0") && probe.out().contains("\"device\":\"cpu()\"")
                && probe.out().contains("\"pass\":true"), probe.out());

        Result gpu = bundled(List.of("eval", home.resolve("fixtures/stories260K").toString(), "--tasks", "arc_challenge",
                "--device", "gpu"));
        assertEquals(2, gpu.exit(), gpu.out());
        assertTrue(gpu.out().contains("--device gpu: DJL sees no GPU"), gpu.out());
    }

    private Result bundled(List<String> args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(home.resolve("bin/amalgam").toString()));
        cmd.addAll(args);
        return run(Map.of("PYTORCH_LIBRARY_PATH", cpuLibtorch, "PYTORCH_FLAVOR", "cpu",
                "ENGINE_CACHE_DIR", dir.resolve("djl").toString()), cmd, home);
    }

    record Result(int exit, String out) {
    }

    static Result run(Map<String, String> env, List<String> cmd, Path cwd) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(cwd.toAbsolutePath().toFile()).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(10, TimeUnit.MINUTES));
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }
}
