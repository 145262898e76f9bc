package dev.amalgam.evolve;

import dev.amalgam.arch.ModelConfig;
import dev.amalgam.merge.MergePlanner;
import dev.amalgam.safetensors.SafetensorsModel;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** The search's input models, each opened (memory-mapped) once per run and kept open for every candidate. */
final class SourceModels implements MergePlanner.ModelSource, AutoCloseable {
    private final Map<Path, SafetensorsModel> open = new HashMap<>();
    private final Map<Path, ModelConfig> configs = new HashMap<>();

    @Override
    public SafetensorsModel model(Path folder) {
        return open.computeIfAbsent(folder, SafetensorsModel::open);
    }

    @Override
    public ModelConfig config(Path folder) {
        return configs.computeIfAbsent(folder, ModelConfig::read);
    }

    @Override
    public void close() {
        open.values().forEach(SafetensorsModel::close);
        open.clear();
    }
}
