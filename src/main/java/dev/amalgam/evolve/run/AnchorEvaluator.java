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
import java.util.Comparator;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.IntStream;

/**
 * {@code evaluation.fitness: anchors}: candidates are scored in full until at least 3 are (generation 0), then the
 * anchor items are picked from their per-item values ({@link AnchorItems}, per task objective in proportion to its
 * items, so every objective keeps anchors) and later candidates are scored on the anchors only. An anchor estimate
 * is put on the full fitness's scale: per objective, the anchor mean plus the mean difference (full minus anchor) of
 * the candidates the anchors were picked on. Every {@code recheck} generations the generation's {@code elite} best
 * are scored on the rest of the split, until the generation's best {@code elite} are all scored in full.
 *
 * <p>{@code anchors.json} in the run folder keeps the anchors and shifts (a resume scores on the same anchors) and,
 * per generation, the Spearman rank correlation of anchor and full fitness: at selection over the candidates the
 * anchors were picked on (in sample), and over every candidate re-checked in full since (out of sample, but the
 * elite only, which narrows the range and so lowers the correlation).
 */
final class AnchorEvaluator implements BatchEvaluator {
    static final String FILE = "anchors.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ItemScorer scorer;
    private final FitnessMode.Anchors mode;
    private final Path file;
    private final Consumer<String> log;
    private final List<ItemScorer.Progress> fullyScored = new ArrayList<>(); // before the anchors exist
    private int[] anchors;
    private double[] shift; // per objective: full minus anchor mean, over the selection candidates
    private final List<double[]> pairs = new ArrayList<>(); // re-checked: {anchor fitness, full fitness}
    private ObjectNode record = JSON.createObjectNode();

    AnchorEvaluator(ItemScorer scorer, FitnessMode.Anchors mode, Path runDir, Consumer<String> log) {
        this.scorer = scorer;
        this.mode = mode;
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
                pairs.add(new double[]{p.get(0).asDouble(), p.get(1).asDouble()});
            }
            record = (ObjectNode) root;
        } catch (IOException | RuntimeException e) {
            throw new BadInputException(file + ": cannot resume: expected the anchors this run picked (" + e.getMessage() + ")");
        }
    }

    @Override
    public void evaluate(List<double[]> genomes, Results results) {
        evaluate(0, genomes, results);
    }

    @Override
    public void evaluate(int generation, List<double[]> genomes, Results results) {
        List<ItemScorer.Progress> progress = scorer.start(genomes);
        if (anchors == null) {
            progress.forEach(scorer::complete);
            fullyScored.addAll(progress);
            if (fullyScored.size() >= 3) {
                select(generation);
            }
        } else {
            progress.forEach(p -> scorer.score(p, anchors));
            if (generation % mode.recheck() == 0) {
                recheck(progress, generation);
            }
        }
        for (int c = 0; c < progress.size(); c++) {
            results.scored(c, scorer.result(progress.get(c), estimate(progress.get(c))));
        }
    }

    /** Full-split estimates for a complete candidate, shifted anchor estimates for one scored on the anchors only. */
    private double[] estimate(ItemScorer.Progress p) {
        if (p.complete() || shift == null) {
            return scorer.taskEstimates(p);
        }
        double[] tasks = scorer.taskEstimates(p);
        for (int o = 0; o < tasks.length; o++) {
            tasks[o] += shift[o];
        }
        return tasks; // a failed candidate's zeros shift too: it still ranks below every working one
    }

    private void recheck(List<ItemScorer.Progress> progress, int generation) {
        Comparator<ItemScorer.Progress> best = Comparator.comparingDouble(p -> -scorer.fitness(estimate(p)));
        int elite = Math.min(mode.elite(), progress.size());
        while (true) {
            List<ItemScorer.Progress> top = progress.stream().sorted(best).limit(elite).filter(p -> !p.complete()).toList();
            if (top.isEmpty()) {
                break;
            }
            for (ItemScorer.Progress p : top) {
                double anchorFitness = scorer.fitness(onAnchors(p));
                scorer.complete(p);
                pairs.add(new double[]{anchorFitness, scorer.fitness(scorer.taskEstimates(p))});
            }
        }
        double rho = pairs.size() >= 3 ? AnchorItems.spearman(pairs.stream().mapToDouble(x -> x[0]).toArray(),
                pairs.stream().mapToDouble(x -> x[1]).toArray()) : Double.NaN;
        log.accept(String.format(java.util.Locale.ROOT, "anchors, generation %d: Spearman(anchor, full fitness) = %.3f over %d re-checked candidates",
                generation, rho, pairs.size()));
        ArrayNode rechecked = record.putArray("rechecked");
        pairs.forEach(x -> rechecked.addArray().add(x[0]).add(x[1]));
        ((ObjectNode) record.withObject("/spearman_rechecked")).put(Integer.toString(generation), rho);
        save();
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

    /** Picks the anchors from the fully scored candidates, per objective in proportion to its items. */
    private void select(int generation) {
        SuiteItems items = scorer.suite().items();
        int n = items.count();
        int k = Math.min(mode.items(), n);
        List<Integer> chosen = new ArrayList<>();
        int objectives = items.objectives();
        int assigned = 0;
        int seen = 0;
        for (int o = 0; o < objectives; o++) {
            final int objective = o;
            int[] own = IntStream.range(0, n).filter(i -> items.objectiveOfItem(i) == objective).toArray();
            if (own.length == 0) {
                continue;
            }
            // Cumulative rounding: the shares add up to k exactly, each objective in proportion to its items (>= 1).
            seen += own.length;
            int share = Math.max(1, Math.min(own.length, (int) Math.round((double) k * seen / n) - assigned));
            assigned += share;
            double[][] scores = fullyScored.stream().map(p -> IntStream.of(own).mapToDouble(i -> p.values[i]).toArray()).toArray(double[][]::new);
            for (int a : AnchorItems.select(scores, share)) {
                chosen.add(own[a]);
            }
        }
        anchors = chosen.stream().mapToInt(Integer::intValue).sorted().toArray();
        shift = new double[objectives];
        double[] anchorFit = new double[fullyScored.size()];
        double[] fullFit = new double[fullyScored.size()];
        for (ItemScorer.Progress p : fullyScored) {
            double[] full = scorer.taskEstimates(p);
            double[] onAnchors = onAnchors(p);
            for (int o = 0; o < objectives; o++) {
                shift[o] += (full[o] - onAnchors[o]) / fullyScored.size();
            }
        }
        for (int c = 0; c < fullyScored.size(); c++) {
            anchorFit[c] = scorer.fitness(onAnchors(fullyScored.get(c)));
            fullFit[c] = scorer.fitness(scorer.taskEstimates(fullyScored.get(c)));
        }
        double rho = AnchorItems.spearman(anchorFit, fullFit);
        log.accept(String.format(java.util.Locale.ROOT, "anchors: %d of %d items picked after generation %d; Spearman(anchor, full fitness)"
                + " = %.3f over its %d candidates (in sample)", anchors.length, n, generation, rho, fullyScored.size()));
        ArrayNode a = record.putArray("anchors");
        IntStream.of(anchors).forEach(a::add);
        ArrayNode s = record.putArray("shift");
        for (double x : shift) {
            s.add(x);
        }
        record.put("selected_after_generation", generation);
        record.put("spearman_selection", rho);
        record.putArray("rechecked");
        save();
        fullyScored.clear();
    }

    private void save() {
        try {
            AtomicFile.writeString(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(record));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
