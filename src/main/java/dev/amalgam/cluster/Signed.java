package dev.amalgam.cluster;

import java.io.Serializable;
import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * A message between members with an authentication code ({@link ClusterSecret}) over {@link #content()}: the text
 * of every field but the code, each number spelled by {@link Double#toString} (exact), so any change is detected.
 */
public sealed interface Signed extends Serializable permits RunSpec, EvalTask, EvalResult, WorkerCard {
    /** What the code covers: a kind tag and every field. */
    String content();

    String mac();

    default boolean validUnder(ClusterSecret secret) {
        return secret.verifies(content(), mac());
    }

    /** The numbers as text for {@link #content()}. */
    static String numbers(double... values) {
        return Arrays.stream(values).mapToObj(Double::toString).collect(Collectors.joining(","));
    }
}
