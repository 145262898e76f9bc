package dev.amalgam.evolve.run;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.amalgam.eval.EvalOptions;
import dev.amalgam.eval.EvalReport;
import dev.amalgam.eval.Evaluator;
import dev.amalgam.eval.ItemResult;
import dev.amalgam.eval.TaskDefinition;
import dev.amalgam.eval.TaskRegistry;
import dev.amalgam.eval.TaskSelection;
import dev.amalgam.evolve.config.SearchConfig;
import dev.amalgam.evolve.config.SearchConfigYaml;
import dev.amalgam.evolve.genome.Baselines;
import dev.amalgam.evolve.genome.Genome;
import dev.amalgam.history.Candidate;
import dev.amalgam.history.Journal;
import dev.amalgam.llm.TextTokenizer;
import dev.amalgam.report.ReportWriter;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code evaluation.fitness} end to end on the tiny zoo, its tasks cut to the documents ft-a and ft-b answer
 * differently and labelled with ft-a's answers, so that the recipe matters (ft-a is right on all, ft-b on none): the
 * journal's items,
 * tokens and partial columns agree with each mode, racing and anchors score fewer tokens than full evaluation, and a
 * run stopped between generations resumes to the uninterrupted run's journal.
 */
class CheaperFitnessTest {
    private static final int DOCS = 40; // per task and split, before keeping those ft-a and ft-b disagree on
    private static int items; // the search split's documents over both tasks
    @TempDir
    static Path dir;
    private static Path config;

    @BeforeAll
    static void zoo() throws IOException {
        TinyZoo.writeModel(dir.resolve("ft-b"), 6f, 22); // far from ft-a: they disagree on many documents
        config = TinyZoo.write(dir, "ga", 6, 2, DOCS, "full");
        relabel(SearchConfigYaml.parse(config));
    }

    /**
     * Keeps only the documents (both splits) on which ft-a and ft-b answer differently, labelled with ft-a's answer:
     * ft-a is right on every item and ft-b on none, so a candidate's score says how close it is to ft-a.
     */
    private static void relabel(SearchConfig parsed) throws IOException {
        Genome genome = GenomeLoader.load(parsed);
        TaskSelection selection = TaskRegistry.scan(dir.resolve("tasks"), Optional.empty()).select(List.of("alpha", "beta"));
        try (TextTokenizer tokenizer = TextTokenizer.load(genome.tokenizerModel());
             CandidateModel candidates = new CandidateModel(genome, Device.cpu(), w -> { })) {
            for (String split : List.of("validation", "test")) {
                List<TaskDefinition> tasks = selection.tasks().stream().map(t -> TaskSuite.onSplit(t, split)).toList();
                List<EvalReport> reports = new ArrayList<>();
                for (Baselines.Baseline parent : Baselines.parents(genome)) { // ft-a, then ft-b
                    candidates.materialise(parent.recipe());
                    reports.add(Evaluator.evaluate(candidates.model(), tokenizer, new TaskSelection(tasks, List.of()), EvalOptions.defaults()));
                }
                for (String task : List.of("alpha", "beta")) {
                    Path data = dir.resolve("tasks/data/" + task + "-" + split + ".jsonl");
                    List<String> lines = Files.readAllLines(data);
                    List<ItemResult> a = reports.get(0).task(task).orElseThrow().items();
                    List<ItemResult> b = reports.get(1).task(task).orElseThrow().items();
                    List<String> kept = new ArrayList<>();
                    for (int d = 0; d < a.size(); d++) {
                        int answer = a.get(d).predictions().get("acc");
                        if (answer != b.get(d).predictions().get("acc")) {
                            kept.add(lines.get(a.get(d).docId()).replaceFirst("\"gold\": \\d", "\"gold\": " + answer));
                        }
                    }
                    Files.writeString(data, String.join("\n", kept) + "\n");
                    if (split.equals("validation")) {
                        items += kept.size();
                    }
                }
            }
        }
    }

    private static Path withFitness(String run, String fitness) throws IOException {
        Path file = dir.resolve(run + ".yaml");
        Files.writeString(file, Files.readString(config).replace("run_name: full", "run_name: " + run)
                .replace("  rescore_top_k: 2\n", "  rescore_top_k: 2\n" + fitness));
        return file;
    }

    private static EvolveJob.Options options() {
        return new EvolveJob.Options(false, Device.cpu(), w -> { });
    }

    private static double mean(List<Candidate> candidates) {
        return (double) tokens(candidates) / candidates.size();
    }

    private static long tokens(List<Candidate> candidates) {
        return candidates.stream().mapToLong(c -> c.cost().tokens()).sum();
    }

    @Test
    void eachModeJournalsItsItemsAndTokensAndResumes() throws IOException {
        EvolveJob.Result full = EvolveJob.start(SearchConfigYaml.parse(config), options(), SearchRun.Listener.NONE);
        List<Candidate> fullRows = Journal.read(full.runDir()).candidates();
        for (Candidate c : fullRows) {
            assertEquals(items, c.cost().items());
            assertFalse(c.cost().partial());
            assertTrue(c.cost().tokens() > 0);
        }

        Path racingConfig = withFitness("racing", "  fitness: racing\n  racing_block: 6\n  racing_error: 0.3\n  fitness_elite: 2\n");
        EvolveJob.Result racing = EvolveJob.start(SearchConfigYaml.parse(racingConfig), options(), SearchRun.Listener.NONE);
        List<Candidate> racingRows = Journal.read(racing.runDir()).candidates();
        for (Candidate c : racingRows) {
            assertTrue(c.cost().items() == items || c.cost().items() % 6 == 0, "whole blocks: " + c.cost());
            assertEquals(c.cost().items() < items, c.cost().partial(), c.cost().toString());
            assertTrue(c.cost().tokens() > 0);
        }
        // The GA's candidates here lie within about 0.4 of each other on some 70 items: too close for the race to be
        // sure, so it may score all in full (raceDropsTheClearlyWorse shows the drops and their token savings).
        long fullCost = racingRows.stream().filter(c -> !c.cost().partial()).mapToLong(c -> c.cost().tokens()).max().orElseThrow();
        racingRows.stream().filter(c -> c.cost().partial()).forEach(c -> assertTrue(c.cost().tokens() < fullCost, c.cost().toString()));
        assertFalse(racing.best().cost().partial(), "the exported candidate was scored in full");
        List<String> summary = ReportWriter.write(new ReportWriter.Options(List.of(racing.runDir()), Optional.empty(), List.of())).summary();
        String tokenLine = String.format(Locale.ROOT, "  tokens scored: %d in all, %.0f per candidate", tokens(racingRows),
                (double) tokens(racingRows) / racingRows.size());
        assertTrue(summary.stream().anyMatch(l -> l.startsWith(tokenLine)), tokenLine + " in " + summary);

        Path anchorConfig = withFitness("anchors", "  fitness: anchors\n  anchor_items: 12\n  fitness_elite: 1\n");
        EvolveJob.Result anchors = EvolveJob.start(SearchConfigYaml.parse(anchorConfig), options(), SearchRun.Listener.NONE);
        List<Candidate> anchorRows = Journal.read(anchors.runDir()).candidates();
        for (Candidate c : anchorRows) {
            int expected = c.generation() == 0 || !c.cost().partial() ? items : 12;
            assertEquals(expected < items, c.cost().partial());
            assertEquals(expected, c.cost().items(), c.id() + " " + c.cost());
        }
        assertTrue(anchorRows.stream().anyMatch(c -> c.generation() > 0 && !c.cost().partial()), "no elite re-checked in full");
        assertTrue(mean(anchorRows) < mean(fullRows), "anchors " + mean(anchorRows) + " tokens per candidate, full " + mean(fullRows));
        JsonNode record = new ObjectMapper().readTree(anchors.runDir().resolve(AnchorEvaluator.FILE).toFile());
        assertEquals(12, record.get("anchors").size());
        assertTrue(record.get("spearman_rechecked").has("2"), record.toString());

        // Generation 0 on a calibration sample of 12 items: every row partial but the re-checked, at most one full
        // (the elite of 1) per generation, and fewer tokens than anchors with generation 0 in full.
        Path sampleConfig = withFitness("sample", "  fitness: anchors\n  anchor_items: 6\n  fitness_elite: 1\n  anchor_calibration: 12\n");
        EvolveJob.Result sample = EvolveJob.start(SearchConfigYaml.parse(sampleConfig), options(), SearchRun.Listener.NONE);
        List<Candidate> sampleRows = Journal.read(sample.runDir()).candidates();
        for (Candidate c : sampleRows) {
            int expected = !c.cost().partial() ? items : c.generation() == 0 ? 12 : 6;
            assertEquals(expected, c.cost().items(), c.id() + " " + c.cost());
        }
        for (int g = 0; g <= sampleRows.getLast().generation(); g++) {
            final int generation = g;
            assertTrue(sampleRows.stream().filter(c -> c.generation() == generation && !c.cost().partial()).count() <= 1, "generation " + g);
        }
        assertTrue(sampleRows.stream().anyMatch(c -> c.generation() == 0 && !c.cost().partial()), "generation 0's best not re-checked");
        assertFalse(sample.best().cost().partial(), "the exported candidate was scored in full");
        assertTrue(mean(sampleRows) < mean(anchorRows), "sample " + mean(sampleRows) + " tokens per candidate, anchors " + mean(anchorRows));
        assertEquals(12, new ObjectMapper().readTree(sample.runDir().resolve(AnchorEvaluator.FILE).toFile()).get("calibration_items").asInt());

        for (String mode : List.of("racing", "anchors", "sample")) {
            Path straight = switch (mode) {
                case "racing" -> racingConfig;
                case "anchors" -> anchorConfig;
                default -> sampleConfig;
            };
            Path stopped = withFitness(mode + "-stopped", Files.readString(straight).lines()
                    .filter(l -> l.startsWith("  fitness") || l.startsWith("  racing_") || l.startsWith("  anchor_"))
                    .reduce("", (a, b) -> a + b + "\n"));
            RuntimeException stop = assertThrows(RuntimeException.class, () -> EvolveJob.start(SearchConfigYaml.parse(stopped), options(),
                    new SearchRun.Listener() {
                        @Override
                        public void generationStarted(int generation, int population, int generations) {
                            if (generation == 2) {
                                throw new IllegalStateException("stopped before generation 2");
                            }
                        }
                    }));
            assertEquals("stopped before generation 2", stop.getMessage());
            EvolveJob.Result resumed = EvolveJob.resume(dir.resolve("results/" + mode + "-stopped"), options(), SearchRun.Listener.NONE);
            EvolveJob.Result reference = switch (mode) {
                case "racing" -> racing;
                case "anchors" -> anchors;
                default -> sample;
            };
            assertEquals(scoresOf(reference.runDir()), scoresOf(resumed.runDir()), mode + ": the resumed journal differs");
            assertEquals(Files.readString(reference.bestRecipe()), Files.readString(resumed.bestRecipe()));
        }
    }

    /**
     * One generation raced on the search split: ft-a itself (right on (nearly) every item) and three copies of ft-b
     * (wrong on (nearly) every one). The race scores ft-a in full, drops the ft-b copies
     * early, and journals their partial estimates: the mean over exactly the items they were scored on.
     */
    @Test
    void raceDropsTheClearlyWorse() {
        SearchConfig parsed = SearchConfigYaml.parse(config);
        Genome genome = GenomeLoader.load(parsed);
        List<CandidateScore> scores = new ArrayList<>(java.util.Collections.nCopies(4, (CandidateScore) null));
        try (TextTokenizer tokenizer = TextTokenizer.load(genome.tokenizerModel());
             CandidateModel candidates = new CandidateModel(genome, Device.cpu(), w -> { })) {
            TaskSuite suite = TaskSuite.prepare(parsed, "validation", tokenizer, true, false);
            ItemScorer scorer = new ItemScorer(parsed, suite, candidates);
            List<double[]> genomes = List.of(only(genome, "ft-a"), only(genome, "ft-b"), only(genome, "ft-b"), only(genome, "ft-b"));
            new RacingEvaluator(scorer, new dev.amalgam.evolve.config.FitnessMode.Racing(6, 0.3,
                    dev.amalgam.evolve.config.FitnessMode.Bound.HOEFFDING, 1), 7).evaluate(1, genomes, scores::set);
        }
        assertEquals(new Candidate.Cost(items, scores.getFirst().cost().tokens(), false), scores.getFirst().cost());
        assertTrue(parsed.fitness(scores.getFirst().tasks()) >= 0.95, "ft-a answers its own labels (up to rounding of the merge)");
        assertTrue(items >= 12, "too few documents where ft-a and ft-b disagree: " + items);
        for (CandidateScore s : scores.subList(1, 4)) {
            assertTrue(s.cost().partial() && s.cost().items() < items && s.cost().items() % 6 == 0, s.cost().toString());
            assertTrue(s.cost().tokens() < scores.getFirst().cost().tokens(), s.cost().toString());
            assertTrue(parsed.fitness(s.tasks()) < 0.2, "ft-b estimate " + parsed.fitness(s.tasks()));
        }
    }

    /** Genes of a merge of {@code model} alone: its weights and densities 1, the other model's weights 0. */
    private static double[] only(Genome genome, String model) {
        return genome.genes().stream().mapToDouble(g -> g.parameter().equals("weight") ? (g.name().contains("/" + model + "/") ? 1 : 0)
                : g.max()).toArray();
    }

    /** Per candidate: id, key, fitness, items, tokens, partial (not the clock's columns). */
    private static List<String> scoresOf(Path run) {
        return Journal.read(run).candidates().stream().map(c -> c.id() + " " + c.key() + " " + c.fitness() + " " + c.cost()).toList();
    }
}
