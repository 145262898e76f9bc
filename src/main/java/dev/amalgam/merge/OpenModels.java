package dev.amalgam.merge;

import dev.amalgam.arch.ModelConfig;
import dev.amalgam.safetensors.SafetensorsModel;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Input models opened (memory-mapped) once each and kept open until closed: one merge job, or a whole
 * search run in which every candidate reads the same sources.
 */
public final class OpenModels implements MergePlanner.ModelSource, AutoCloseable {
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
