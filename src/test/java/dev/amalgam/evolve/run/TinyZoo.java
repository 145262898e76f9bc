package dev.amalgam.evolve.run;

import dev.amalgam.Fixtures;
import dev.amalgam.bench.SyntheticLlama;
import dev.amalgam.safetensors.DType;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A tiny real search setup in a folder: a random Llama base and two fine-tunes of it (SyntheticLlama, vocab 512 with
 * the stories260K tokenizer), two multiple-choice tasks with validation and test splits, and a search config.
 */
public final class TinyZoo {
    static final SyntheticLlama SHAPE = new SyntheticLlama(32, 64, 4, 4, 2, 512, false);

    private TinyZoo() {
    }

    /** Writes the models and tasks under {@code dir}; returns the config path. */
    public static Path write(Path dir, String strategy, int population, int generations, int docs, String runName) {
        try {
            writeModel(dir.resolve("base"), 0f, 0);
            writeModel(dir.resolve("ft-a"), 1.5f, 11);
            writeModel(dir.resolve("ft-b"), 1.5f, 22);
            Path tasks = dir.resolve("tasks");
            Files.createDirectories(tasks.resolve("data"));
            for (String task : List.of("alpha", "beta")) {
                Files.writeString(tasks.resolve(task + ".yaml"), """
                        task: %s
                        dataset:
                          path: data
                          files: {validation: %s-validation.jsonl, test: %s-test.jsonl}
                        validation_split: validation
                        test_split: test
                        doc_to_text: "{{q}}"
                        doc_to_choice: "{{choices}}"
                        doc_to_target: "{{gold}}"
                        """.formatted(task, task, task));
                for (String split : List.of("validation", "test")) {
                    Files.writeString(tasks.resolve("data").resolve(task + "-" + split + ".jsonl"), rows(task.hashCode() * 31L + split.hashCode(), docs));
                }
            }
            Path config = dir.resolve("search.yaml");
            Files.writeString(config, """
                    genome:
                      models: [ft-a, ft-b]
                      merge_method: dare_ties
                      base_model: base
                      layer_granularity: 2
                      filters: [self_attn]
                    tasks:
                      - {name: alpha, weight: 1.0, metric: "acc,none"}
                      - beta
                    search:
                      strategy: %s
                      population: %d
                      generations: %d
                      seed: 7
                    evaluation:
                      tasks_dir: tasks
                      batch_size: 64
                      search_split: validation
                      heldout_split: test
                      rescore_top_k: 2
                    output:
                      dir: %s
                      run_name: %s
                    """.formatted(strategy, population, generations, dir.resolve("results").toAbsolutePath(), runName));
            return config;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A model of {@link #SHAPE}: the base's weights plus {@code delta} times seeded noise; kept if already written. */
    static void writeModel(Path dir, float delta, long deltaSeed) throws IOException {
        if (Files.isDirectory(dir)) {
            return;
        }
        SHAPE.write(dir, DType.BF16, 5, deltaSeed, delta, 1L << 30);
        for (String f : List.of("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json")) {
            Files.copy(Fixtures.stories260K().resolve(f), dir.resolve(f));
        }
    }

    private static String rows(long seed, int n) {
        String[] words = {"cat", "dog", "sun", "tree", "ball", "cake", "bird", "fish", "moon", "park"};
        Random r = new Random(seed);
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String a = words[r.nextInt(words.length)];
            String b = words[r.nextInt(words.length)];
            String c = words[r.nextInt(words.length)];
            lines.add("{\"q\": \"Lily saw a " + a + " and a " + b + ". She liked the\", \"choices\": [\" " + a + "\", \" " + c
                    + "\", \" " + b + "\"], \"gold\": " + r.nextInt(3) + "}");
        }
        return String.join("\n", lines) + "\n";
    }
}
