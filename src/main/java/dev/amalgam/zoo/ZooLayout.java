package dev.amalgam.zoo;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A built, verified zoo folder:
 * <pre>
 * DIR/base/                          copy of the base model folder (config, safetensors, tokenizer)
 * DIR/specialists/SKILL/             one fine-tuned HF model folder per skill (sharded safetensors)
 * DIR/data/SKILL/{train,validation,test}.jsonl
 * DIR/accuracy.json                  validation acc of every model on every skill
 * DIR/manifest.json                  recipe hash, size and SHA-256 of every other file (written last)
 * </pre>
 *
 * @param specialists        skill (task) name to its specialist's model folder
 * @param dataDir            the {@code --data-dir} for the task files
 * @param taskFiles          the demo task YAMLs, one per skill
 * @param validationAccuracy model ({@code base} or a skill name for its specialist) to task name to acc in [0, 1]
 * @param rebuilt            whether this call built the folder (false: reused as it was)
 */
public record ZooLayout(Path dir, Path base, Map<String, Path> specialists, Path dataDir, List<Path> taskFiles,
                        Map<String, Map<String, Double>> validationAccuracy, boolean rebuilt) {
    /** The row name of the base model in {@link #validationAccuracy}. */
    public static final String BASE = "base";

    public ZooLayout {
        specialists = Collections.unmodifiableMap(new LinkedHashMap<>(specialists));
        taskFiles = List.copyOf(taskFiles);
        Map<String, Map<String, Double>> copy = new LinkedHashMap<>();
        validationAccuracy.forEach((model, row) -> copy.put(model, Collections.unmodifiableMap(new LinkedHashMap<>(row))));
        validationAccuracy = Collections.unmodifiableMap(copy);
    }
}
