package dev.amalgam.evolve.run;

import ai.djl.Device;
import dev.amalgam.bench.SyntheticLlama;
import dev.amalgam.evolve.config.GenomeSpec;
import dev.amalgam.evolve.genome.Genome;
import dev.amalgam.merge.MergeJob;
import dev.amalgam.merge.MergeKernel;
import dev.amalgam.recipe.MergeRecipe;
import dev.amalgam.recipe.ModelRef;
import dev.amalgam.recipe.ParameterValue;
import dev.amalgam.recipe.RecipeYaml;
import dev.amalgam.safetensors.DType;
import dev.amalgam.safetensors.SafetensorsModel;
import dev.amalgam.safetensors.SafetensorsWriter;
import dev.amalgam.safetensors.TensorSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/**
 * Genes that cannot change the merge: a model fine-tuned only on the MLPs of layers 0-1 (of 4) leaves every other
 * (layer group, filter group) equal to the base, so those genes are left out, the recipe still writes them, and
 * changing them does not change a single merged byte.
 */
class UnchangedSlotsTest {
    private static final SyntheticLlama SHAPE = new SyntheticLlama(32, 64, 4, 4, 2, 512, false);

    @TempDir
    Path dir;

    /** base, and a model that equals it except on model.layers.{0,1}.mlp.* (taken from a random fine-tune). */
    private GenomeSpec writeModels() throws IOException {
        SHAPE.write(dir.resolve("base"), DType.F32, 5, 0, 0f, 1L << 30);
        SHAPE.write(dir.resolve("tuned"), DType.F32, 5, 11, 1.5f, 1L << 30);
        Path mlp = dir.resolve("mlp01");
        Files.createDirectories(mlp);
        Files.copy(dir.resolve("base/config.json"), mlp.resolve("config.json"));
        List<TensorSpec> plan = SHAPE.tensors(DType.F32);
        try (SafetensorsModel base = SafetensorsModel.open(dir.resolve("base"));
             SafetensorsModel tuned = SafetensorsModel.open(dir.resolve("tuned"));
             SafetensorsWriter w = new SafetensorsWriter(mlp, plan, 1L << 30, Map.of("format", "pt"))) {
            for (TensorSpec t : plan) {
                boolean changed = t.name().contains(".mlp.") && (t.name().contains("layers.0.") || t.name().contains("layers.1."));
                w.write(t.name(), (changed ? tuned : base).slice(t.name()).data());
            }
            w.finish();
        }
        return new GenomeSpec(List.of(new ModelRef("mlp01")), "dare_ties", new ModelRef("base"), null, 2, null, false,
                List.of("mlp"), false, DType.F32);
    }

    private Genome genome(GenomeSpec spec, Set<Genome.Slot> unchanged) {
        return new Genome(spec, List.of(new ModelRef(dir.resolve("mlp01").toString())), new ModelRef(dir.resolve("base").toString()),
                4, 3, dir.resolve("run.yaml"), unchanged);
    }

    @Test
    void slotsNoModelChangedAreFoundAndTheirGenesLeftOut() throws IOException {
        GenomeSpec spec = writeModels();
        Set<Genome.Slot> unchanged = UnchangedSlots.find(spec, List.of(new ModelRef(dir.resolve("mlp01").toString())),
                new ModelRef(dir.resolve("base").toString()), new int[]{0, 2, 4});
        // filter 0 = mlp, 1 = the catch-all; only (group 0, mlp) changed
        assertEquals(Set.of(new Genome.Slot(0, 1), new Genome.Slot(1, 0), new Genome.Slot(1, 1)), unchanged);

        Genome genome = genome(spec, unchanged);
        assertEquals(List.of("weight/mlp01/g0/mlp", "density/mlp01/g0/mlp"), genome.genes().stream().map(Genome.Gene::name).toList());
        assertEquals(6, genome.leftOut().size());

        MergeRecipe recipe = genome.decode(new double[]{0.8, 0.3});
        for (var slice : recipe.slices()) {
            for (String p : List.of("weight", "density")) {
                ParameterValue.Filtered v = assertInstanceOf(ParameterValue.Filtered.class, slice.sources().getFirst().parameters().get(p));
                assertEquals(2, v.entries().size(), "every parameter mergekit expects is written: " + p);
            }
        }
        assertArrayEquals(new double[]{0.8, 0.3}, genome.encode(recipe), 0);
    }

    /** The claim itself: two recipes that differ only in the left-out genes merge to identical bytes. */
    @Test
    void leftOutGenesCannotChangeTheMerge() throws IOException {
        GenomeSpec spec = writeModels();
        Genome all = genome(spec, Set.of());
        double[] x = new double[all.size()];
        double[] y = new double[all.size()];
        for (int i = 0; i < x.length; i++) {
            boolean searched = all.genes().get(i).name().endsWith("/g0/mlp");
            x[i] = searched ? 0.7 : 0.2;
            y[i] = searched ? 0.7 : 0.9;
        }
        assertArrayEquals(merge(all.decode(x), "x"), merge(all.decode(y), "y"));
        // and the genes themselves matter where the model changed
        x[0] = 0.1;
        assertEquals(false, Arrays.equals(merge(all.decode(x), "x2"), merge(all.decode(y), "y2")));
    }

    private byte[] merge(MergeRecipe recipe, String name) throws IOException {
        Path yaml = dir.resolve(name + ".yaml");
        Files.writeString(yaml, RecipeYaml.toYaml(recipe));
        Path out = dir.resolve("out-" + name);
        try (MergeJob job = MergeJob.prepare(new MergeJob.Options(yaml, out, 1L << 30, Device.cpu(), 3L))) {
            job.run(MergeKernel.Progress.NONE);
        }
        return Files.readAllBytes(out.resolve(SafetensorsModel.SINGLE_FILE));
    }
}
