package dev.amalgam.evolve.run;

import dev.amalgam.evolve.config.FitnessMode;
import dev.amalgam.evolve.fitness.Racing;

import java.util.List;
import java.util.Random;

/**
 * {@code evaluation.fitness: racing}: a generation's new candidates race over the search split's items in one random
 * order shared by all of them ({@link Racing}); a candidate the race drops keeps the estimate of the items it was
 * scored on, journalled as partial. The order is drawn from the search seed and the generation, so a resumed run
 * races a generation as the uninterrupted run did.
 *
 * <p>The bound is on the mean over items. With one task, or tasks of equal weight and size (the demo), that mean is
 * the fitness; otherwise the race ranks by the pooled item mean while the journal's fitness weights the tasks.
 */
final class RacingEvaluator implements BatchEvaluator.PerGeneration {
    private final ItemScorer scorer;
    private final FitnessMode.Racing mode;
    private final long seed;

    RacingEvaluator(ItemScorer scorer, FitnessMode.Racing mode, long seed) {
        this.scorer = scorer;
        this.mode = mode;
        this.seed = seed;
    }

    @Override
    public void evaluate(int generation, List<double[]> genomes, Results results) {
        List<ItemScorer.Progress> progress = scorer.start(genomes);
        int[] order = shuffled(scorer.items(), new Random(seed * 1_000_003L + generation));
        Racing.Settings settings = new Racing.Settings(mode.block(), Math.min(mode.elite(), genomes.size()), mode.error(),
                mode.bound() == FitnessMode.Bound.HOEFFDING ? Racing.Bound.HOEFFDING : Racing.Bound.BERNSTEIN);
        // Block by block: candidate c on items order[from..to), all candidates of a block before the next block.
        Racing.race(genomes.size(), order.length, settings,
                (c, from, to) -> scorer.score(progress.get(c), java.util.Arrays.copyOfRange(order, from, to)));
        for (int c = 0; c < progress.size(); c++) {
            ItemScorer.Progress p = progress.get(c);
            results.scored(c, scorer.result(p, scorer.taskEstimates(p)));
        }
    }

    /** 0..n-1 in a random order (Fisher-Yates). */
    static int[] shuffled(int n, Random random) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }
}
