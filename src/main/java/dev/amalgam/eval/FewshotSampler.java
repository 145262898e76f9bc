package dev.amalgam.eval;

import java.util.List;

/** How few-shot examples are drawn from the few-shot split ({@code fewshot_config.sampler}). */
public sealed interface FewshotSampler {
    /** The first n documents of the few-shot split, in stored order (MMLU's {@code first_n}). */
    record FirstN() implements FewshotSampler {
    }

    /** {@code random.Random(seed).sample(docs, n)}, one stream per task advanced doc by doc, as lm-eval (seed 1234). */
    record Seeded(long seed) implements FewshotSampler {
        public Seeded {
            if (seed < 0 || seed > 0xFFFFFFFFL) {
                throw new IllegalArgumentException("few-shot seed must be in [0, 2^32): " + seed);
            }
        }
    }

    /** lm-eval's default few-shot seed. */
    long DEFAULT_SEED = 1234;

    /** Names accepted in {@code fewshot_config.sampler}. */
    List<String> NAMES = List.of("default", "first_n");

    static FewshotSampler named(String name, long seed) {
        return switch (name) {
            case "first_n" -> new FirstN();
            case "default" -> new Seeded(seed);
            default -> throw new IllegalArgumentException(name);
        };
    }
}
