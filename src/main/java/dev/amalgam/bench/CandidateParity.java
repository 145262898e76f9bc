package dev.amalgam.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.amalgam.evolve.config.SearchConfig;
import dev.amalgam.evolve.config.SearchConfigYaml;
import dev.amalgam.evolve.genome.Genome;
import dev.amalgam.evolve.run.CandidateModel;
import dev.amalgam.evolve.run.GenomeLoader;
import dev.amalgam.llm.LlamaModel;
import dev.amalgam.merge.MergeJob;
import dev.amalgam.merge.MergeKernel;
import dev.amalgam.recipe.RecipeYaml;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * {@code candidate-parity SEARCH_YAML DIR} (DIR new or empty): one seeded candidate of a search, materialised in the scoring model on the
 * GPU as a search does it (the host kernel's chunks narrowed to the resident type, one upload per tensor), against the
 * same recipe merged to disk on the CPU ({@code amalgam merge}) and loaded on the GPU in that type: every weight bit for
 * bit. The CPU tests hold the same on the CPU (HalfResidencyCandidateTest), but cannot make bf16 tensors. Also times a
 * second candidate (a search's later ones: DARE's rescale levels kept) and the uploads alone (every weight's bytes from
 * host memory), so that the two parts of a candidate's merge on a GPU show.
 */
final class CandidateParity {
    private CandidateParity() {
    }

    static ObjectNode check(Path searchYaml, Path dir) throws IOException {
        Device gpu = GpuCheck.device();
        SearchConfig config = SearchConfigYaml.parse(searchYaml);
        Genome genome = GenomeLoader.load(config);
        double[] x = genome.randomPoint(new SplittableRandom(9));
        OwnFolder.check(dir, Set.of(), "candidate-parity", "DIR"); // its recipe and merge would replace what is there
        Files.createDirectories(dir);
        Path recipe = dir.resolve("candidate.yaml");
        Files.writeString(recipe, RecipeYaml.toYaml(genome.decode(x)));
        Path merged = dir.resolve("merged");
        try (MergeJob job = MergeJob.prepare(new MergeJob.Options(recipe, merged, Long.MAX_VALUE, Device.cpu(), null, false, false, w -> { }))) {
            job.run(MergeKernel.Progress.NONE);
        }
        DataType resident = CandidateModel.residentType(config, gpu);
        long elements = 0;
        long differing = 0;
        String worst = "";
        double seconds;
        double again;
        double upload;
        long uploadBytes = 0;
        try (CandidateModel candidate = new CandidateModel(genome, gpu, resident, w -> { });
             LlamaModel disk = LlamaModel.load(merged, gpu, resident);
             Arena arena = Arena.ofConfined()) {
            long t0 = System.nanoTime();
            candidate.materialise(x);
            seconds = (System.nanoTime() - t0) / 1e9;
            long largest = 0;
            for (String name : disk.weights().names()) {
                float[] want = widened(disk.weights().get(name));
                float[] got = widened(candidate.model().weights().get(name));
                long off = 0;
                for (int i = 0; i < want.length; i++) {
                    off += Float.floatToIntBits(want[i]) == Float.floatToIntBits(got[i]) ? 0 : 1;
                }
                elements += want.length;
                largest = Math.max(largest, want.length);
                if (off > 0 && worst.isEmpty()) {
                    worst = name;
                }
                differing += off;
            }
            long t1 = System.nanoTime();
            candidate.materialise(genome.randomPoint(new SplittableRandom(10))); // levels kept: a search's later candidates
            again = (System.nanoTime() - t1) / 1e9;
            // The uploads alone: every weight's bytes from one reused host buffer (as the search's staging), tensor by tensor.
            MemorySegment host = arena.allocate(largest * resident.getNumOfBytes(), 64);
            long t2 = System.nanoTime();
            for (String name : disk.weights().names()) {
                NDArray weight = disk.weights().get(name);
                long bytes = weight.size() * resident.getNumOfBytes();
                try (NDManager scope = weight.getManager().newSubManager()) {
                    scope.create(host.asSlice(0, bytes).asByteBuffer(), weight.getShape(), resident);
                }
                uploadBytes += bytes;
            }
            upload = (System.nanoTime() - t2) / 1e9;
        }
        ObjectNode res = GpuCheck.result("candidate-parity");
        res.put("scoring_dtype", resident.toString());
        res.put("materialise_s", seconds);
        res.put("next_materialise_s", again);
        res.put("upload_s", upload);
        res.put("upload_gbps", uploadBytes / upload / 1e9);
        res.put("elements", elements);
        res.put("differing", differing);
        res.put("first_differing_tensor", worst);
        res.put("pass", differing == 0 && elements > 0);
        return res;
    }

    /** The tensor's values as fp32 on the host (exact from a 16-bit type). */
    private static float[] widened(NDArray t) {
        try (NDArray f = t.toType(DataType.FLOAT32, true)) {
            return f.toFloatArray();
        }
    }
}
