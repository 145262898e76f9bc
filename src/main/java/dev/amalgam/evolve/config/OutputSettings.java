package dev.amalgam.evolve.config;

import dev.amalgam.BadValueException;

import java.nio.file.Path;

/**
 * The {@code output:} block: runs go to {@code dir/<run_name>}; without a run name, to
 * {@code dir/<config name>-<UTC timestamp>}.
 */
public record OutputSettings(Path dir, String runName) {
    public OutputSettings {
        if (dir == null) {
            throw new BadValueException("output.dir", "required");
        }
        if (runName != null && (runName.isBlank() || runName.contains("/") || runName.contains("\\") || runName.startsWith("."))) {
            throw new BadValueException("output.run_name", "expected a plain folder name, got '" + runName + "'");
        }
    }
}
