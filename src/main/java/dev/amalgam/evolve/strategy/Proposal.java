package dev.amalgam.evolve.strategy;

/**
 * A point a {@link SteadySearch} asks to have scored.
 *
 * @param serial names the ask, so its result can be told back in any order (-1 for a point told on resume that this
 *               process never asked for)
 * @param unit   the point in the unit cube, [genes]
 */
public record Proposal(long serial, double[] unit) {
    public Proposal {
        unit = unit.clone();
    }

    @Override
    public double[] unit() {
        return unit.clone();
    }
}
