package dev.amalgam.cluster;

/**
 * One candidate to score.
 *
 * @param runId   the {@link RunSpec} it belongs to
 * @param taskId  unique in the run (a candidate sent again after its worker left keeps its id)
 * @param attempt 1, or 2 when a worker's failure is retried elsewhere
 * @param genes   gene values, [genes]
 */
public record EvalTask(String runId, String taskId, int attempt, double[] genes, String mac) implements Signed {
    public EvalTask {
        genes = genes.clone();
    }

    public static EvalTask signed(String runId, String taskId, int attempt, double[] genes, ClusterSecret secret) {
        return new EvalTask(runId, taskId, attempt, genes, secret.sign(content(runId, taskId, attempt, genes)));
    }

    @Override
    public double[] genes() {
        return genes.clone();
    }

    @Override
    public String content() {
        return content(runId, taskId, attempt, genes);
    }

    private static String content(String runId, String taskId, int attempt, double[] genes) {
        return "task|" + runId + "|" + taskId + "|" + attempt + "|" + Signed.numbers(genes);
    }
}
