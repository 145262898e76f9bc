package dev.amalgam.eval;

/** A metric's mean, its standard error (NaN when undefined, e.g. n = 1) and the number of documents. */
public record MetricValue(double value, double stderr, int n) {
    /** lm-eval's {@code mean} with {@code mean_stderr}: sample standard deviation / sqrt(n). */
    static MetricValue ofScores(double[] scores) {
        int n = scores.length;
        double mean = 0;
        for (double s : scores) {
            mean += s;
        }
        mean /= n;
        double squares = 0;
        for (double s : scores) {
            squares += (s - mean) * (s - mean);
        }
        double stderr = n > 1 ? Math.sqrt(squares / (n - 1)) / Math.sqrt(n) : Double.NaN;
        return new MetricValue(mean, stderr, n);
    }
}
