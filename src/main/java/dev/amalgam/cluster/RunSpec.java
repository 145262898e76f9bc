package dev.amalgam.cluster;

/**
 * What a worker needs to score a search's candidates: the resolved search config (its paths as on the coordinator),
 * published once per run in the cluster's run map.
 *
 * @param runId          names the run among the cluster's runs
 * @param configYaml     the search config, as written by {@code SearchConfigYaml}
 * @param allowTestSplit whether the config may score on a benchmark's test split
 */
public record RunSpec(String runId, String configYaml, boolean allowTestSplit, String mac) implements Signed {
    public static RunSpec signed(String runId, String configYaml, boolean allowTestSplit, ClusterSecret secret) {
        return new RunSpec(runId, configYaml, allowTestSplit, secret.sign(content(runId, configYaml, allowTestSplit)));
    }

    @Override
    public String content() {
        return content(runId, configYaml, allowTestSplit);
    }

    private static String content(String runId, String configYaml, boolean allowTestSplit) {
        return "run|" + runId + "|" + allowTestSplit + "|" + configYaml;
    }
}
