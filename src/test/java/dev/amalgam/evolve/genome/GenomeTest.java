package dev.amalgam.evolve.genome;

import dev.amalgam.BadInputException;
import dev.amalgam.evolve.config.GenomeSpec;
import dev.amalgam.merge.MergeMethod;
import dev.amalgam.merge.MergeMethods;
import dev.amalgam.recipe.MergeRecipe;
import dev.amalgam.recipe.ModelRef;
import dev.amalgam.recipe.ParameterValue;
import dev.amalgam.recipe.RecipeParser;
import dev.amalgam.recipe.RecipeYaml;
import dev.amalgam.recipe.SliceSpec;
import dev.amalgam.safetensors.DType;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;

class GenomeTest {
    private static final Path ANCHOR = Path.of("/runs/r/run.yaml");
    private static final List<ModelRef> THREE = List.of(new ModelRef("/m/m1"), new ModelRef("/m/m2"), new ModelRef("/m/m3"));

    private static Genome genome(String method, List<ModelRef> models, ModelRef base, int layers, int granularity, List<String> filters,
                                 boolean smooth, boolean negative) {
        GenomeSpec spec = new GenomeSpec(models, method, base, null, granularity, null, negative, filters, smooth, DType.BF16);
        return new Genome(spec, models, base, layers, 7, ANCHOR);
    }

    private static double[] random(Genome g, long seed) {
        return g.randomPoint(new Random(seed));
    }

    @Test
    void layoutIsMergekitEvolvesRowMajorGroupModelFilterParameter() {
        Genome g = genome("dare_ties", THREE, new ModelRef("/m/base"), 32, 8, List.of("self_attn", "mlp"), false, false);
        assertEquals(72, g.size(), "4 groups x 3 models x 3 filter groups x (weight, density)");
        int groups = 4, models = 3, filters = 3, params = 2;
        String[] filterNames = {"self_attn", "mlp", "*"};
        String[] paramNames = {"weight", "density"};
        for (int gi = 0; gi < groups; gi++) {
            for (int m = 0; m < models; m++) {
                for (int f = 0; f < filters; f++) {
                    for (int p = 0; p < params; p++) {
                        Genome.Gene gene = g.genes().get(((gi * models + m) * filters + f) * params + p);
                        assertEquals(paramNames[p] + "/m" + (m + 1) + "/g" + gi + "/" + filterNames[f], gene.name());
                        assertEquals(0.0, gene.min());
                        assertEquals(1.0, gene.max());
                    }
                }
            }
        }
        for (int gi = 0; gi < 4; gi++) {
            assertArrayEquals(new int[]{gi * 8, gi * 8 + 8}, g.groupLayers(gi), "divisible: mergekit-evolve's groups");
        }
    }

    /** DARE's densities land on multiples of 1/4096, so a search reuses their rescale norms; ties' do not need to. */
    @Test
    void randomMaskDensitiesAreSnappedToTheRescaleGrid() {
        for (String method : List.of("dare_ties", "ties")) {
            Genome g = genome(method, THREE, new ModelRef("/m/base"), 4, 2, List.of(), false, false);
            double[] u = new double[g.size()];
            Arrays.fill(u, 0.35);
            double[] x = g.fromUnit(u);
            for (int i = 0; i < x.length; i++) {
                double expected = method.equals("dare_ties") && g.genes().get(i).parameter().equals("density") ? 1434 / 4096.0 : 0.35;
                assertEquals(expected, x[i], 0, method + " " + g.genes().get(i).name());
            }
        }
    }

    @Test
    void granularityThatDoesNotDivideGivesBalancedGroups() {
        Genome g = genome("linear", THREE, null, 5, 2, List.of(), false, false);
        assertEquals(3, g.groups());
        assertArrayEquals(new int[]{0, 1}, g.groupLayers(0));
        assertArrayEquals(new int[]{1, 3}, g.groupLayers(1));
        assertArrayEquals(new int[]{3, 5}, g.groupLayers(2));
        assertEquals(9, g.size());
        Genome one = genome("linear", THREE, null, 5, 0, List.of(), false, false);
        assertEquals(1, one.groups());
        assertArrayEquals(new int[]{0, 5}, one.groupLayers(0));
        Genome coarse = genome("linear", THREE, null, 5, 8, List.of(), false, false);
        assertEquals(1, coarse.groups(), "granularity beyond the depth: one group, as in mergekit-evolve");
        assertArrayEquals(new int[]{0, 5}, coarse.groupLayers(0));
    }

    @Test
    void negativeWeightsWidenOnlyWeightGenes() {
        Genome g = genome("ties", THREE, new ModelRef("/m/base"), 4, 0, List.of(), false, true);
        for (Genome.Gene gene : g.genes()) {
            assertEquals(gene.parameter().equals("weight") ? -1.0 : 0.0, gene.min(), gene.name());
        }
        double[] x = g.fromUnit(new double[g.size()]);
        assertEquals(-1.0, x[0]);
        assertArrayEquals(new double[g.size()], g.toUnit(x), 0);
    }

    @Test
    void discreteDecodeGivesOneSlicePerGroupWithFilterListsAndTheBaseAppended() {
        Genome g = genome("dare_ties", THREE, new ModelRef("/m/base"), 5, 2, List.of("self_attn", "mlp"), false, false);
        double[] x = random(g, 1);
        MergeRecipe r = g.decode(x);
        assertEquals(3, r.slices().size());
        assertEquals(Long.valueOf(7), r.randomSeed());
        assertEquals(DType.BF16, r.dtype());
        assertEquals(ParameterValue.of(true), r.parameters().get("normalize"));
        for (int gi = 0; gi < 3; gi++) {
            SliceSpec s = r.slices().get(gi);
            assertEquals(4, s.sources().size(), "3 models + base");
            assertEquals(new ModelRef("/m/base"), s.sources().get(3).model());
            assertEquals(g.groupLayers(gi)[0], s.sources().get(0).layerStart());
            assertEquals(g.groupLayers(gi)[1], s.sources().get(0).layerEnd());
            for (int m = 0; m < 3; m++) {
                for (String param : List.of("weight", "density")) {
                    // The value the planner resolves for an attention, an MLP and another tensor of this source.
                    ParameterValue v = r.parameter(param, s, s.sources().get(m)).orElseThrow();
                    String[] tensors = {"model.layers.1.self_attn.q_proj.weight", "model.layers.1.mlp.up_proj.weight", "model.layers.1.input_layernorm.weight"};
                    for (int f = 0; f < 3; f++) {
                        String name = param + "/m" + (m + 1) + "/g" + gi + "/" + new String[]{"self_attn", "mlp", "*"}[f];
                        int gene = g.genes().stream().map(Genome.Gene::name).toList().indexOf(name);
                        assertEquals(x[gene], (Double) v.evaluate(tensors[f], 0.5), name);
                    }
                }
            }
        }
        assertArrayEquals(x, g.encode(r), 0);
    }

    @Test
    void smoothDecodeGivesGradientsAnchoredPerGroup() {
        Genome g = genome("ties", THREE, new ModelRef("/m/base"), 8, 2, List.of(), true, false);
        double[] x = random(g, 2);
        MergeRecipe r = g.decode(x);
        assertNull(r.slices());
        assertEquals(3, r.models().size());
        ParameterValue w = r.models().get(1).parameters().get("weight");
        ParameterValue.Gradient gradient = assertInstanceOf(ParameterValue.Gradient.class, w);
        assertEquals(4, gradient.values().size());
        for (int gi = 0; gi < 4; gi++) {
            int gene = g.genes().stream().map(Genome.Gene::name).toList().indexOf("weight/m2/g" + gi);
            assertEquals(x[gene], gradient.values().get(gi));
        }
        assertArrayEquals(x, g.encode(r), 0);
    }

    @Test
    void slerpHasOneGlobalTPerGroupAndTheFirstModelAsBase() {
        List<ModelRef> two = THREE.subList(0, 2);
        Genome g = genome("slerp", two, null, 6, 3, List.of(), false, false);
        assertEquals(List.of("t/g0", "t/g1"), g.genes().stream().map(Genome.Gene::name).toList());
        double[] x = {0.25, 0.9};
        MergeRecipe r = g.decode(x);
        assertEquals(new ModelRef("/m/m1"), r.baseModel());
        assertEquals(ParameterValue.of(0.9), r.slices().get(1).parameters().get("t"));
        assertEquals(2, r.slices().get(1).sources().size());
        assertArrayEquals(x, g.encode(r), 0);
    }

    /** The first-model-is-base layout follows from the signature (required base, one other model, global genes only). */
    @Test
    void onlySlerpsSignatureMakesTheFirstModelTheBase() {
        List<String> firstIsBase = MergeMethods.all().stream().map(MergeMethod::name).filter(name -> {
            try {
                return new GenomeSpec(THREE.subList(0, 2), name, null, null, 1, null, false, List.of(), false, DType.BF16)
                        .firstModelIsBase();
            } catch (BadInputException e) {
                return false; // not searchable, or needs a base_model
            }
        }).toList();
        assertEquals(List.of("slerp"), firstIsBase);
    }

    @Test
    void exportedYamlReadsBackToTheSameGenes() {
        for (boolean smooth : new boolean[]{false, true}) {
            Genome g = genome("dare_ties", THREE, new ModelRef("/m/base"), 6, 4, List.of("mlp"), smooth, false);
            double[] x = random(g, 3);
            String yaml = RecipeYaml.toYaml(g.decode(x));
            MergeRecipe parsed = RecipeParser.parse(yaml, Path.of("/tmp/best.yaml"));
            assertArrayEquals(x, g.encode(parsed), 0, "smooth=" + smooth);
            assertEquals(GenomeKey.of(x), GenomeKey.of(g.encode(parsed)));
        }
    }
}
