package dev.amalgam.cli;

import ai.djl.engine.Engine;
import picocli.CommandLine;

/** {@code amalgam --version}: our version and the engine versions that matter for reproducing a run. */
public final class AmalgamVersion implements CommandLine.IVersionProvider {
    public static String version() {
        String v = AmalgamVersion.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    @Override
    public String[] getVersion() {
        return new String[] {
            "amalgam " + version(),
            "java " + Runtime.version(),
            "djl " + Engine.getDjlVersion(),
        };
    }
}
