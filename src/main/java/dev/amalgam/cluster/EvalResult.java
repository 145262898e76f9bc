package dev.amalgam.cluster;

import dev.amalgam.evolve.run.CandidateScore;

/**
 * A worker's answer to an {@link EvalTask}: the score, with the task's id and attempt so that it cannot be replayed
 * as the answer to another task.
 */
public record EvalResult(String taskId, int attempt, CandidateScore score, String mac) implements Signed {
    public static EvalResult signed(EvalTask task, CandidateScore score, ClusterSecret secret) {
        return new EvalResult(task.taskId(), task.attempt(), score, secret.sign(content(task.taskId(), task.attempt(), score)));
    }

    @Override
    public String content() {
        return content(taskId, attempt, score);
    }

    private static String content(String taskId, int attempt, CandidateScore s) {
        return "result|" + taskId + "|" + attempt + "|" + s.worker() + "|" + s.failure() + "|" + Signed.numbers(s.tasks()) + "|"
                + Signed.numbers(s.mergeSeconds(), s.scoreSeconds(), s.startedAt(), s.endedAt());
    }
}
