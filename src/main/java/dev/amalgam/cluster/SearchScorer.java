package dev.amalgam.cluster;

import ai.djl.Device;
import dev.amalgam.evolve.config.SearchConfig;
import dev.amalgam.evolve.config.SearchConfigYaml;
import dev.amalgam.evolve.genome.Genome;
import dev.amalgam.evolve.run.CandidateModel;
import dev.amalgam.evolve.run.CandidateScore;
import dev.amalgam.evolve.run.GenomeLoader;
import dev.amalgam.evolve.run.TaskSuite;
import dev.amalgam.llm.TextTokenizer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A worker's scoring with the code of a local search: the run's models opened here (paths rewritten by the path map
 * when this machine mounts them elsewhere), one in-memory candidate model, the search split's tasks. Kept for one run
 * at a time; a new run id replaces it.
 */
public final class SearchScorer implements Scorer, AutoCloseable {
    private final Map<String, String> pathMap; // FROM prefix -> TO prefix, in order
    private final Device device;
    private final Consumer<String> warnings;
    private String runId;
    private CandidateModel candidates;
    private TextTokenizer tokenizer;
    private Scorer evaluator;

    public SearchScorer(Map<String, String> pathMap, Device device, Consumer<String> warnings) {
        this.pathMap = Map.copyOf(pathMap);
        this.device = device;
        this.warnings = warnings;
    }

    @Override
    public synchronized CandidateScore score(RunSpec run, double[] genes) throws Exception {
        if (!run.runId().equals(runId)) {
            open(run);
        }
        return evaluator.score(run, genes);
    }

    private void open(RunSpec run) {
        close();
        String yaml = run.configYaml();
        for (Map.Entry<String, String> e : pathMap.entrySet()) {
            yaml = yaml.replace(e.getKey(), e.getValue());
        }
        SearchConfig config;
        try {
            Path dir = Files.createTempDirectory("amalgam-worker-");
            Path file = dir.resolve("search.yaml");
            Files.writeString(file, yaml);
            try {
                config = SearchConfigYaml.parse(file);
            } finally {
                Files.delete(file);
                Files.delete(dir);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot stage the run's config", e);
        }
        Genome genome = GenomeLoader.load(config);
        candidates = new CandidateModel(genome, device, CandidateModel.residentType(config, device), warnings);
        tokenizer = TextTokenizer.load(candidates.tokenizerFolder());
        TaskSuite suite = TaskSuite.prepare(config, config.evaluation().searchSplit(), tokenizer, true, run.allowTestSplit());
        evaluator = Scorer.of(suite.evaluator(candidates));
        runId = run.runId();
    }

    @Override
    public synchronized void close() {
        try (CandidateModel c = candidates; TextTokenizer t = tokenizer) {
            runId = null;
            candidates = null;
            tokenizer = null;
            evaluator = null;
        }
    }
}
