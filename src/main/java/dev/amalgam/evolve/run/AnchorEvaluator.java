package dev.amalgam.evolve.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.amalgam.BadInputException;
import dev.amalgam.evolve.config.FitnessMode;
import dev.amalgam.evolve.fitness.AnchorItems;
import dev.amalgam.files.AtomicFile;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.stream.IntStream;

/**
 * {@code evaluation.fitness: anchors}: candidates are scored on a calibration sample of the search split
 * ({@code anchor_calibration} items, a seeded sample stratified by task objective; the whole split by default) until
 * at least 3 are (generation 0), then the anchor items are picked from the sample by their values on those candidates
 * ({@link AnchorItems}, per task objective in proportion to its items, so every objective keeps anchors) and later
 * candidates are scored on the anchors only. An anchor estimate is put on the calibration sample's scale (an unbiased
 * estimate of the full split's): per objective, the anchor mean plus the mean difference (sample minus anchor) of the
 * candidates the anchors were picked on.
 *
 * <p>Every {@code recheck} generations, once, the generation's {@code elite} best by estimate are scored on the rest
 * of the split, but only those whose estimate, less the mean optimism of the candidates re-checked so far (estimate
 * minus full fitness), beats the best fitness scored on the whole split so far: a re-check costs most of a full
 * scoring, and only a candidate that could become the exported one (which {@code Ranking} picks among the fully
 * scored) is worth it.
 *
 * <p>{@code anchors.json} in the run folder keeps the anchors, shifts and best full fitness (a resume scores on the
 * same anchors) and, per generation, the Spearman rank correlation of anchor and full fitness: at selection over the
 * candidates the anchors were picked on (in sample, on the calibration items), and over every candidate re-checked in
 * full since (out of sample, but the elite only, which narrows the range and so lowers the correlation).
 */
final class AnchorEvaluator implements BatchEvaluator.PerGeneration {
    static final String FILE = "anchors.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ItemScorer scorer;
    private final FitnessMode.Anchors mode;
    private final long seed;
    private final Path file;
    private final Consumer<String> log;
    private final List<ItemScorer.Progress> calibrated = new ArrayList<>(); // scored on the sample, before the anchors exist
    private final Set<ItemScorer.Progress> onAnchorsOnly = Collections.newSetFromMap(new IdentityHashMap<>()); // this batch
    private int[] anchors;
    private double[] shift; // per objective: sample minus anchor mean, over the calibration candidates
    private double bestFull = Double.NEGATIVE_INFINITY; // the best fitness scored on the whole split so far
    private final List<double[]> pairs = new ArrayList<>(); // re-checked: {anchor fitness, full fitness, estimate}
    private ObjectNode record = JSON.createObjectNode();

    AnchorEvaluator(ItemScorer scorer, FitnessMode.Anchors mode, long seed, Path runDir, Consumer<String> log) {
        this.scorer = scorer;
        this.mode = mode;
        this.seed = seed;
        this.file = runDir.resolve(FILE);
        this.log = log;
        if (Files.exists(file)) {
            load();
        }
    }

    private void load() {
        try {
            JsonNode root = JSON.readTree(file.toFile());
            anchors = IntStream.range(0, root.get("anchors").size()).map(i -> root.get("anchors").get(i).asInt()).toArray();
            shift = IntStream.range(0, root.get("shift").size()).mapToDouble(i -> root.get("shift").get(i).asDouble()).toArray();
            for (JsonNode p : root.get("rechecked")) {
                pairs.add(new double[]{p.get(0).asDouble(), p.get(1).asDouble(), p.path(2).asDouble(Double.NaN)});
            }
            if (root.has("best_full")) {
                bestFull = root.get("best_full").asDouble();
            }
            record = (ObjectNode) root;
        } catch (IOException | RuntimeException e) {
            throw new BadInputException(file + ": cannot resume: expected the anchors this run picked (" + e.getMessage() + ")");
        }
    }

    @Override
    public void evaluate(int generation, List<double[]> genomes, Results results) {
        List<ItemScorer.Progress> progress = scorer.start(genomes);
        onAnchorsOnly.clear();
        if (anchors == null) {
            int[] sample = calibration();
            progress.forEach(p -> scorer.score(p, sample));
            calibrated.addAll(progress);
            if (calibrated.size() >= 3) {
                select(generation, sample);
            }
        } else {
            progress.forEach(p -> scorer.score(p, anchors));
            onAnchorsOnly.addAll(progress);
        }
        if (anchors != null && generation % mode.recheck() == 0) {
            recheck(progress, generation);
        }
        for (int c = 0; c < progress.size(); c++) {
            results.scored(c, scorer.result(progress.get(c), estimate(progress.get(c))));
        }
    }

    /** Full-split estimates for a complete candidate, sample ones for a calibration one, shifted anchor ones for the rest. */
    private double[] estimate(ItemScorer.Progress p) {
        double[] tasks = scorer.taskEstimates(p);
        if (p.complete() || !onAnchorsOnly.contains(p)) {
            return tasks;
        }
        for (int o = 0; o < tasks.length; o++) {
            tasks[o] += shift[o];
        }
        return tasks; // a failed candidate's zeros shift too: it still ranks below every working one
    }

    private void recheck(List<ItemScorer.Progress> progress, int generation) {
        Comparator<ItemScorer.Progress> best = Comparator.comparingDouble(p -> -scorer.fitness(estimate(p)));
        double optimism = optimism();
        List<ItemScorer.Progress> top = progress.stream().sorted(best).limit(Math.min(mode.elite(), progress.size()))
                .filter(p -> !p.complete() && scorer.fitness(estimate(p)) - optimism > bestFull).toList();
        for (ItemScorer.Progress p : top) {
            double anchorFitness = scorer.fitness(onAnchors(p));
            double estimate = scorer.fitness(estimate(p));
            scorer.complete(p);
            pairs.add(new double[]{anchorFitness, scorer.fitness(scorer.taskEstimates(p)), estimate});
        }
        progress.stream().filter(ItemScorer.Progress::complete)
                .forEach(p -> bestFull = Math.max(bestFull, scorer.fitness(scorer.taskEstimates(p))));
        double rho = pairs.size() >= 3 ? AnchorItems.spearman(pairs.stream().mapToDouble(x -> x[0]).toArray(),
                pairs.stream().mapToDouble(x -> x[1]).toArray()) : Double.NaN;
        String spearman = Double.isNaN(rho) ? "n/a (it needs 3)" : String.format(java.util.Locale.ROOT, "%.3f", rho);
        log.accept(String.format(java.util.Locale.ROOT, "anchors, generation %d: %d re-checked; Spearman(anchor, full fitness) = %s over"
                + " %d re-checked candidates", generation, top.size(), spearman, pairs.size()));
        ArrayNode rechecked = record.putArray("rechecked");
        pairs.forEach(x -> rechecked.addArray().add(x[0]).add(x[1]).add(x[2]));
        ((ObjectNode) record.withObject("/spearman_rechecked")).put(Integer.toString(generation), rho);
        if (bestFull > Double.NEGATIVE_INFINITY) {
            record.put("best_full", bestFull);
        }
        save();
    }

    /**
     * How much the re-checked candidates' estimates exceeded their full fitness, on average (0 before any): a
     * generation's best by estimate is its luckiest as much as its best (the winner's curse), so its full fitness is
     * expected lower by about this much, and only a candidate still above the best full fitness after it is re-checked.
     */
    private double optimism() {
        return pairs.stream().filter(x -> !Double.isNaN(x[2])).mapToDouble(x -> x[2] - x[1]).average().orElse(0);
    }

    /** {@code p}'s per-objective means over the anchors only (unshifted). */
    private double[] onAnchors(ItemScorer.Progress p) {
        double[] v = new double[p.values.length];
        Arrays.fill(v, Double.NaN);
        for (int a : anchors) {
            v[a] = p.values[a];
        }
        return scorer.suite().items().taskEstimates(v);
    }

    /** The items generation 0 is scored on: all, or a seeded sample of {@code anchor_calibration} stratified by objective. */
    private int[] calibration() {
        int n = scorer.items();
        int[] all = IntStream.range(0, n).toArray();
        if (mode.calibration() == 0 || mode.calibration() >= n) {
            return all;
        }
        Random random = new Random(seed * 1_000_003L - 1);
        return perObjective(all, mode.calibration(), (own, share) -> {
            int[] order = RacingEvaluator.shuffled(own.length, random);
            return IntStream.range(0, share).map(j -> own[order[j]]).toArray();
        });
    }

    /** {@code k} items of {@code pool} stratified by task objective, each objective's share picked by {@code pick}. */
    private int[] perObjective(int[] pool, int k, BiFunction<int[], Integer, int[]> pick) {
        SuiteItems items = scorer.suite().items();
        int[] objectiveOf = IntStream.range(0, items.count()).map(items::objectiveOfItem).toArray();
        return AnchorItems.stratified(pool, objectiveOf, items.objectives(), k, pick);
    }

    /** Picks the anchors from the calibration candidates' values on {@code sample}. */
    private void select(int generation, int[] sample) {
        anchors = perObjective(sample, Math.min(mode.items(), sample.length), (own, share) -> {
            double[][] scores = calibrated.stream().map(p -> IntStream.of(own).mapToDouble(i -> p.values[i]).toArray()).toArray(double[][]::new);
            return IntStream.of(AnchorItems.select(scores, share)).map(a -> own[a]).toArray();
        });
        int objectives = scorer.suite().items().objectives();
        shift = new double[objectives];
        double[] anchorFit = new double[calibrated.size()];
        double[] sampleFit = new double[calibrated.size()];
        for (int c = 0; c < calibrated.size(); c++) {
            ItemScorer.Progress p = calibrated.get(c);
            double[] onSample = scorer.taskEstimates(p);
            double[] onAnchors = onAnchors(p);
            for (int o = 0; o < objectives; o++) {
                shift[o] += (onSample[o] - onAnchors[o]) / calibrated.size();
            }
            anchorFit[c] = scorer.fitness(onAnchors);
            sampleFit[c] = scorer.fitness(onSample);
        }
        double rho = AnchorItems.spearman(anchorFit, sampleFit);
        log.accept(String.format(java.util.Locale.ROOT, "anchors: %d of %d items picked from a sample of %d after generation %d;"
                + " Spearman(anchor, sample fitness) = %.3f over its %d candidates (in sample)", anchors.length, scorer.items(),
                sample.length, generation, rho, calibrated.size()));
        ArrayNode a = record.putArray("anchors");
        IntStream.of(anchors).forEach(a::add);
        ArrayNode s = record.putArray("shift");
        for (double x : shift) {
            s.add(x);
        }
        record.put("selected_after_generation", generation);
        record.put("calibration_items", sample.length);
        record.put("spearman_selection", rho);
        record.putArray("rechecked");
        save();
        calibrated.clear();
    }

    private void save() {
        try {
            AtomicFile.writeString(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(record));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
