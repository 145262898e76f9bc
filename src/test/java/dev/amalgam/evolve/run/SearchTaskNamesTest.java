package dev.amalgam.evolve.run;

import dev.amalgam.BadInputException;
import dev.amalgam.Fixtures;
import dev.amalgam.evolve.config.SearchConfig;
import dev.amalgam.evolve.config.SearchConfigYaml;
import dev.amalgam.llm.TextTokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A search config's tasks: take lm-eval's names, as --tasks does: a group's subtask alone; a tag is refused as a fitness. */
class SearchTaskNamesTest {
    @TempDir
    Path dir;

    @Test
    void subtaskOfAGroupIsASearchObjective() throws IOException {
        Path config = TinyZoo.write(dir, "ga", 4, 1, 8, "run");
        // A group instantiating alpha's definition as fam_alpha and fam_beta (lm-eval's task_template + vars).
        Files.writeString(dir.resolve("tasks/_fam.yaml"), Files.readString(dir.resolve("tasks/alpha.yaml"))
                .replace("task: alpha", "task: \"fam_{{which}}\""));
        Files.writeString(dir.resolve("tasks/fam.yaml"), "group: fam\ntask_template: _fam.yaml\nvars: {which: [alpha, beta]}\n");
        Files.writeString(config, Files.readString(config).replace("- beta", "- fam_beta"));
        SearchConfig parsed = SearchConfigYaml.parse(config);
        try (TextTokenizer tokenizer = TextTokenizer.load(Fixtures.stories260K())) {
            assertEquals(2 * 8 * 3, TaskSuite.prepare(parsed, "validation", tokenizer, true, false).requests());
        }
    }

    @Test
    void tagIsRefusedAsAnObjectiveNamingItsTasks() throws IOException {
        Path config = TinyZoo.write(dir, "ga", 4, 1, 8, "run");
        for (String task : new String[] {"alpha", "beta"}) {
            Path file = dir.resolve("tasks/" + task + ".yaml");
            Files.writeString(file, Files.readString(file) + "tag: [both]\n");
        }
        Files.writeString(config, Files.readString(config).replace("- beta", "- both"));
        SearchConfig parsed = SearchConfigYaml.parse(config);
        try (TextTokenizer tokenizer = TextTokenizer.load(Fixtures.stories260K())) {
            BadInputException e = assertThrows(BadInputException.class, () -> TaskSuite.prepare(parsed, "validation", tokenizer, true, false));
            assertTrue(e.getMessage().contains("'both' is a tag of [alpha, beta]"), e.getMessage());
        }
    }
}
