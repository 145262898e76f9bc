package dev.amalgam.evolve.config;

import dev.amalgam.BadValueException;

/**
 * {@code evaluation.fitness}: how much of the search split a candidate is scored on. Whatever the mode, the search
 * fitness decides (it ranks candidates and picks the exported one) and the held-out split only reports.
 */
public sealed interface FitnessMode {
    /** Full (the default), racing or anchors: the {@code evaluation.fitness} key's value. */
    String key();

    /** Every candidate on every item of the search split. */
    record Full() implements FitnessMode {
        @Override
        public String key() {
            return "full";
        }
    }

    /**
     * Racing ({@code dev.amalgam.evolve.fitness.Racing}): a generation's new candidates are scored on a first block of
     * items, then block by block only those whose upper confidence bound can still reach the generation's elite.
     *
     * @param block items per block ({@code evaluation.racing_block})
     * @param error the allowed probability of dropping the generation's best ({@code evaluation.racing_error})
     * @param bound the confidence bound ({@code evaluation.racing_bound})
     * @param elite how many candidates of a generation the race must score in full ({@code evaluation.fitness_elite})
     */
    record Racing(int block, double error, Bound bound, int elite) implements FitnessMode {
        public Racing {
            if (block < 1) {
                throw new BadValueException("evaluation.racing_block", "expected a positive number of items, got " + block);
            }
            if (!(error > 0 && error < 1)) {
                throw new BadValueException("evaluation.racing_error", "expected a probability in (0, 1), got " + error);
            }
            if (elite < 1) {
                throw new BadValueException("evaluation.fitness_elite", "expected 1 or more, got " + elite);
            }
        }

        @Override
        public String key() {
            return "racing";
        }
    }

    /**
     * Anchor items ({@code dev.amalgam.evolve.fitness.AnchorItems}): generation 0 is scored on a calibration sample
     * of the items (or all of them), the anchors are picked from it, and later candidates are scored on the anchors
     * only; once per generation, the generation's best are re-scored in full when they could become the exported one.
     *
     * @param items       how many anchor items ({@code evaluation.anchor_items})
     * @param recheck     the elite is re-scored in full every this many generations ({@code evaluation.anchor_recheck})
     * @param elite       how many of a generation's best are re-scored in full ({@code evaluation.fitness_elite})
     * @param calibration how many items generation 0 is scored on, a seeded sample stratified by task
     *                    ({@code evaluation.anchor_calibration}); 0 = the whole split
     */
    record Anchors(int items, int recheck, int elite, int calibration) implements FitnessMode {
        public Anchors {
            if (items < 1) {
                throw new BadValueException("evaluation.anchor_items", "expected a positive number of items, got " + items);
            }
            if (calibration != 0 && calibration < items) {
                throw new BadValueException("evaluation.anchor_calibration", "expected 0 (the whole split) or at least anchor_items ("
                        + items + ") items, got " + calibration);
            }
            if (recheck < 1) {
                throw new BadValueException("evaluation.anchor_recheck", "expected a number of generations >= 1, got " + recheck);
            }
            if (elite < 1) {
                throw new BadValueException("evaluation.fitness_elite", "expected 1 or more, got " + elite);
            }
        }

        @Override
        public String key() {
            return "anchors";
        }
    }

    /** The confidence bound a race drops candidates by. */
    enum Bound {
        /** Hoeffding's: depends only on the number of items scored. */
        HOEFFDING("hoeffding"),
        /** The empirical Bernstein bound (Audibert et al. 2009, Mnih et al. 2008): narrower when item scores vary little. */
        BERNSTEIN("bernstein");

        private final String key;

        Bound(String key) {
            this.key = key;
        }

        public String key() {
            return key;
        }

        public static Bound of(String key) {
            for (Bound b : values()) {
                if (b.key.equals(key)) {
                    return b;
                }
            }
            throw new BadValueException("evaluation.racing_bound", "expected hoeffding or bernstein, got '" + key + "'");
        }
    }

    FitnessMode FULL = new Full();

    /**
     * A mode by its key with the defaults of its parameters: racing in blocks of 20 items at error 0.1 with Hoeffding's
     * bound, keeping the GA's elite of 2; 20 anchor items with the generation's best re-checked every generation.
     */
    static FitnessMode of(String key) {
        return switch (key) {
            case "full" -> FULL;
            case "racing" -> new Racing(20, 0.1, Bound.HOEFFDING, 2);
            case "anchors" -> new Anchors(20, 1, 1, 0);
            default -> throw new BadValueException("evaluation.fitness", "expected full, racing or anchors, got '" + key + "'");
        };
    }
}
