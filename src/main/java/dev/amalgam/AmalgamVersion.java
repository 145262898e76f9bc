package dev.amalgam;

import ai.djl.engine.Engine;

import java.util.List;

/**
 * Our version and the engine versions that matter for reproducing a run: printed by {@code amalgam --version} and
 * recorded in every run's {@code run.yaml}. In the root package so that both the CLI and the search can name it.
 */
public final class AmalgamVersion {
    private AmalgamVersion() {
    }

    /** The jar's Implementation-Version, or {@code dev} when run from classes. */
    public static String version() {
        String v = AmalgamVersion.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    /** Amalgam, Java and DJL versions, one per line. */
    public static List<String> lines() {
        return List.of("amalgam " + version(), "java " + Runtime.version(), "djl " + Engine.getDjlVersion());
    }
}
