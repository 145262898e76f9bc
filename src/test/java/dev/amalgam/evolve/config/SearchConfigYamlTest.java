package dev.amalgam.evolve.config;

import dev.amalgam.BadInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SearchConfigYamlTest {
    @TempDir
    Path dir;

    private static final String MERGEKIT_EVOLVE = """
            genome:
              models: [org/m1, org/m2, org/m3]
              merge_method: dare_ties
              base_model: org/base
              tokenizer_source: null
              layer_granularity: 8
              normalize: null
              allow_negative_weights: false
              filters: [self_attn, mlp]
              smooth: false
            tasks:
              - {name: my_task, weight: 1.0, metric: "acc,none"}
              - my_other_task
            limit: 50
            num_fewshot: 2
            shuffle: false
            random_init: false
            apply_chat_template: true
            fewshot_as_multiturn: true
            """;

    private SearchConfig parse(String yaml) throws Exception {
        Files.createDirectories(dir.resolve("tasks"));
        Path file = dir.resolve("search.yaml");
        Files.writeString(file, yaml.replace("TASKS", dir.resolve("tasks").toString()));
        return SearchConfigYaml.parse(file);
    }

    @Test
    void mergekitEvolveConfigIsAcceptedAsIsWithDefaultsForOurBlocks() throws Exception {
        Files.createDirectories(Path.of("eval-tasks"));
        SearchConfig c = parse(MERGEKIT_EVOLVE);
        assertEquals(3, c.genome().models().size());
        assertEquals(8, c.genome().layerGranularity());
        assertTrue(c.genome().effectiveNormalize(), "mergekit-evolve: normalize null -> true for dare_ties");
        assertEquals(2, c.tasks().size());
        assertEquals("acc", c.tasks().get(0).metric());
        assertEquals(1.0, c.tasks().get(1).weight());
        assertEquals(50, c.evaluation().limit());
        assertEquals(2, c.evaluation().numFewshot());
        assertEquals(Strategy.GA, c.search().strategy());
        assertEquals("validation", c.evaluation().searchSplit());
        assertEquals("test", c.evaluation().heldoutSplit());
        assertEquals(16, c.search().populationFor(72));
    }

    @Test
    void aNullHeldoutSplitTurnsTheDefaultRescoringOff() throws Exception {
        String none = MERGEKIT_EVOLVE.replace("limit: 50\n", "") + "evaluation:\n  tasks_dir: TASKS\n  heldout_split: null\n";
        SearchConfig c = parse(none);
        assertNull(c.evaluation().heldoutSplit());
        assertEquals(0, c.evaluation().rescoreTopK());
        assertEquals(3, parse(MERGEKIT_EVOLVE.replace("limit: 50\n", "") + "evaluation:\n  tasks_dir: TASKS\n").evaluation().rescoreTopK());
        BadInputException e = assertThrows(BadInputException.class, () -> parse(none + "  rescore_top_k: 2\n"));
        assertTrue(e.getMessage().contains("evaluation.rescore_top_k: needs evaluation.heldout_split"), e.getMessage());
    }

    @Test
    void shippedRealCheckpointExampleValidates() {
        SearchConfig c = SearchConfigYaml.parse(Path.of("search-configs/mistral-dare-ties.yaml"));
        assertEquals("dare_ties", c.genome().mergeMethod());
        assertEquals(3, c.genome().models().size());
        assertEquals(Duration.ofHours(10), c.search().maxTime());
        assertEquals(99L, c.evaluation().subsampleSeed());
        assertEquals(0, c.evaluation().batchSize(), "auto");
        assertEquals("acc_norm", c.tasks().get(0).metric());
    }

    @Test
    void shippedDemoConfigValidates() {
        SearchConfig c = SearchConfigYaml.parse(Path.of("search-configs/demo.yaml"));
        assertEquals(List.of("demo_arithmetic", "demo_pets", "demo_colors"), c.tasks().stream().map(TaskObjective::name).toList());
        // Every zoo specialist is a source, the shuffled-label one included (the search is to learn to leave it out).
        assertEquals(List.of("demo_arithmetic", "demo_pets", "demo_colors", "demo_pets_shuffled"),
                c.genome().models().stream().map(m -> Path.of(m.text()).getFileName().toString()).toList());
        assertEquals(List.of("self_attn", "mlp"), c.genome().filters());
        assertEquals(Path.of("eval-tasks/demo").toAbsolutePath().normalize(), c.evaluation().tasksDir());
        assertEquals(Path.of("results").toAbsolutePath().normalize(), c.output().dir());
        assertEquals(Strategy.GA, c.search().strategy());
    }

    /** The benchmark's other demo configs change the demo's schedule and nothing else. */
    @ParameterizedTest
    @CsvSource({"demo-long.yaml, 12, 24", "demo-pop6.yaml, 6, 16"})
    void benchmarkDemoConfigsDifferFromTheDemoOnlyInTheirSchedule(String file, int population, int generations) {
        SearchConfig demo = SearchConfigYaml.parse(Path.of("search-configs/demo.yaml"));
        SearchConfig c = SearchConfigYaml.parse(Path.of("search-configs", file));
        assertEquals(population, c.search().population());
        assertEquals(generations, c.search().generations());
        assertEquals(0, c.search().steadyGenerations());
        assertEquals(demo.search().seed(), c.search().seed());
        assertEquals(demo.genome(), c.genome());
        assertEquals(demo.tasks(), c.tasks());
        assertEquals(demo.evaluation(), c.evaluation());
    }

    @Test
    void ourBlocksParse() throws Exception {
        SearchConfig c = parse(MERGEKIT_EVOLVE.replace("limit: 50\n", "") + """
                search: {strategy: cmaes, generations: 3, max_evaluations: 40, max_time: 90m, seed: 5, steady_generations: 2}
                evaluation: {tasks_dir: TASKS, limit: 10, subsample_seed: 3, batch_size: 8, search_split: train, heldout_split: validation, rescore_top_k: 1,
                             search_objective: gold_probability}
                output: {dir: out, run_name: r1}
                """);
        assertEquals(Strategy.CMAES, c.search().strategy());
        assertEquals(4 + (int) Math.floor(3 * Math.log(72)), c.search().populationFor(72), "mergekit-evolve's CMA-ES population");
        assertEquals(Duration.ofMinutes(90), c.search().maxTime());
        assertEquals(8, c.evaluation().batchSize());
        assertEquals("train", c.evaluation().searchSplit());
        assertEquals(EvaluationSettings.Objective.GOLD_PROBABILITY, c.evaluation().searchObjective());
        assertEquals(FitnessMode.FULL, c.evaluation().fitness());
        SearchConfig racing = parse(MERGEKIT_EVOLVE.replace("limit: 50\n", "")
                + "evaluation: {tasks_dir: TASKS, fitness: racing, racing_block: 10, racing_bound: bernstein, fitness_elite: 3}\n");
        assertEquals(new FitnessMode.Racing(10, 0.1, FitnessMode.Bound.BERNSTEIN, 3), racing.evaluation().fitness());
        SearchConfig anchors = parse(MERGEKIT_EVOLVE.replace("limit: 50\n", "")
                + "evaluation: {tasks_dir: TASKS, fitness: anchors, anchor_items: 40, anchor_recheck: 2, anchor_calibration: 90}\n");
        assertEquals(new FitnessMode.Anchors(40, 2, 1, 90), anchors.evaluation().fitness());
        assertEquals("r1", c.output().runName());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', ignoreLeadingAndTrailingWhitespace = false, value = {
            "genome:|  layer_granularty: 2|genome.layer_granularty: unknown key (did you mean 'layer_granularity'?)",
            "search:|  stratgy: ga|search.stratgy: unknown key",
            "search:|  strategy: pso|search.strategy: unknown strategy 'pso'",
            "search:|  population: 2|search.population: expected at least 4",
            "search:|  max_time: soon|search.max_time: expected seconds or a duration",
            "evaluation:|  limit: 0.5|evaluation.limit: expected a positive number of documents",
            "evaluation:|  heldout_split: validation|evaluation.heldout_split: must differ from search_split",
            "evaluation:|  batch_size: -1|evaluation.batch_size:",
            "evaluation:|  search_objective: perplexity|evaluation.search_objective: expected metric, gold_probability or logprob_margin, got 'perplexity'",
            "evaluation:|  fitness: sometimes|evaluation.fitness: expected full, racing or anchors, got 'sometimes'",
            "evaluation:|  racing_block: 10|evaluation.racing_block: is not a parameter of fitness full",
            "evaluation:|  fitness: racing\\n  racing_error: 1.5|evaluation.racing_error: expected a probability in (0, 1), got 1.5",
            "evaluation:|  fitness: racing\\n  racing_bound: chernoff|evaluation.racing_bound: expected hoeffding or bernstein",
            "evaluation:|  fitness: racing\\n  search_objective: logprob_margin|evaluation.fitness: racing bounds item scores in [0, 1]",
            "evaluation:|  fitness: anchors\\n  anchor_items: 0|evaluation.anchor_items: expected a positive number of items, got 0",
            "evaluation:|  fitness: anchors\\n  racing_block: 5|evaluation.racing_block: is not a parameter of fitness anchors",
            "evaluation:|  fitness: anchors\\n  anchor_calibration: 10|evaluation.anchor_calibration: expected 0 (the whole split) or at least anchor_items (20) items, got 10",
            "evaluation:|  anchor_calibration: 60|evaluation.anchor_calibration: is not a parameter of fitness full",
            "evaluation:|  tasks_dir: nowhere|evaluation.tasks_dir: folder 'nowhere' not found",
            "output:|  run_name: ../x|output.run_name: expected a plain folder name"})
    void badKeysAndValuesNameTheKey(String block, String line, String message) throws Exception {
        line = line.replace("\\n", "\n");
        String yaml = block.equals("genome:") ? MERGEKIT_EVOLVE.replace("  smooth: false\n", "  smooth: false\n" + line + "\n")
                : MERGEKIT_EVOLVE.replace("limit: 50\n", "") + block + "\n" + line + "\n";
        if (block.equals("evaluation:") && !line.contains("tasks_dir")) {
            yaml = yaml + "  tasks_dir: TASKS\n";
        }
        String finalYaml = yaml;
        BadInputException e = assertThrows(BadInputException.class, () -> parse(finalYaml));
        assertTrue(e.getMessage().contains(message), e.getMessage());
        assertTrue(e.getMessage().startsWith(dir.resolve("search.yaml").toString()), "names the file: " + e.getMessage());
    }

    /** mergekit-evolve ignores top-level keys it does not know; we ignore them with a warning each. */
    @Test
    void unknownTopLevelKeysAreIgnoredWithAWarning() throws Exception {
        Files.createDirectories(Path.of("eval-tasks"));
        Path file = dir.resolve("search.yaml");
        Files.writeString(file, MERGEKIT_EVOLVE + "model_name: my-evolved-model\nserach: {}\n");
        List<String> warnings = new ArrayList<>();
        SearchConfig c = SearchConfigYaml.parse(file, warnings::add);
        assertEquals(3, c.genome().models().size());
        assertEquals(List.of(file + ": model_name: not a search config key; ignored, as mergekit-evolve ignores it",
                file + ": serach: not a search config key; ignored, as mergekit-evolve ignores it (did you mean 'search'?)"),
                warnings);
    }

    @Test
    void dataDirOverridesTheConfigsEvaluationDataDir() throws Exception {
        Files.createDirectories(Path.of("eval-tasks"));
        SearchConfig c = parse(MERGEKIT_EVOLVE).withDataDir(dir.resolve("data"));
        assertEquals(dir.resolve("data").toAbsolutePath().normalize(), c.evaluation().dataDir());
        assertEquals(50, c.evaluation().limit(), "the rest of the evaluation block is kept");
    }

    @Test
    void slerpRefusesSmoothAndFiltersAsMergekitEvolveDoes() {
        String slerp = MERGEKIT_EVOLVE.replace("merge_method: dare_ties", "merge_method: slerp").replace("base_model: org/base", "base_model: null")
                .replace("[org/m1, org/m2, org/m3]", "[org/m1, org/m2]");
        BadInputException smooth = assertThrows(BadInputException.class, () -> parse(slerp.replace("smooth: false", "smooth: true")));
        assertTrue(smooth.getMessage().contains("genome.smooth: not supported with slerp"), smooth.getMessage());
        BadInputException filters = assertThrows(BadInputException.class, () -> parse(slerp));
        assertTrue(filters.getMessage().contains("genome.filters: not supported with slerp"), filters.getMessage());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', ignoreLeadingAndTrailingWhitespace = false, value = {
            "merge_method: dare_ties|merge_method: model_stock|genome.merge_method: model_stock has no weight or t parameter",
            "layer_granularity: 8|layer_granularity: -1|genome.layer_granularity: expected 0",
            "metric: \"acc,none\"|metric: \"acc,flexible\"|tasks[0].metric: expected 'acc' or 'acc,none'",
            "weight: 1.0|weight: 0|tasks.my_task.weight: expected a finite non-zero number",
            "  - my_other_task|  - my_task|tasks: a task is listed twice",
            "models: [org/m1, org/m2, org/m3]|models: [org/m1, org/m1+lora]|genome.models[1]: LoRA references",
            "tokenizer_source: null|tokenizer_source: union|genome.tokenizer_source: union is not supported yet"})
    void genomeAndTaskErrorsNameTheKey(String from, String to, String message) {
        BadInputException e = assertThrows(BadInputException.class, () -> parse(MERGEKIT_EVOLVE.replace(from, to)));
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }
}
