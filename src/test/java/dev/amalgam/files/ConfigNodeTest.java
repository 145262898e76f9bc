package dev.amalgam.files;

import dev.amalgam.BadInputException;
import dev.amalgam.BadValueException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every error names the file and the key path in one shape: {@code FILE: key.path: expected ..., got ...}. */
class ConfigNodeTest {
    private static final Path FILE = Path.of("conf.yaml");

    private static ConfigNode yaml(String text) {
        return ConfigNode.parseYaml(text, FILE);
    }

    private static String error(Runnable read) {
        return assertThrows(BadInputException.class, read::run).getMessage();
    }

    @Test
    void readsTypedValuesWithFallbacks() {
        ConfigNode root = yaml("a: {b: [1, 2.0, x]}\nflag: true\nname: n\nratio: 0.5\nnothing: ~\n");
        List<ConfigNode> b = root.get("a").get("b").list("a list");
        assertEquals(1, b.get(0).integer("an integer"));
        assertEquals(2, b.get(1).integer("an integer"), "a whole number written as 2.0");
        assertEquals("x", b.get(2).text("a name"));
        assertEquals("a.b[2]", b.get(2).keyPath());
        assertTrue(root.get("flag").bool(false));
        assertEquals(0.5, root.get("ratio").number("a number", 1.0));
        assertEquals(7, root.get("absent").integer("an integer", 7));
        assertEquals(7, root.get("nothing").integer("an integer", 7), "null means absent");
        assertFalse(root.get("nothing").isPresent());
        assertEquals("0.5", root.get("ratio").scalar("a value"));
        assertEquals(List.of("a", "flag", "name", "ratio", "nothing"), List.copyOf(root.entries().keySet()));
        assertTrue(root.get("absent").optionalMapping("a mapping").entries().isEmpty());
    }

    @Test
    void errorsHaveOneShape() {
        ConfigNode root = yaml("a: {b: [1, 2.5]}\nflag: 1\nname: ''\n");
        assertEquals("conf.yaml: a.b[1]: expected an integer, got a number 2.5",
                error(() -> root.get("a").get("b").get(1).integer("an integer")));
        assertEquals("conf.yaml: a.c: missing (expected a count)", error(() -> root.get("a").get("c").integer("a count")));
        assertEquals("conf.yaml: flag: expected true or false, got a number 1", error(() -> root.get("flag").bool(false)));
        assertEquals("conf.yaml: name: expected a name, got a string ''", error(() -> root.get("name").text("a name")));
        assertEquals("conf.yaml: a: expected a list, got a mapping {\"b\":[1,2.5]}", error(() -> root.get("a").list("a list")));
        assertEquals("conf.yaml: a.b: expected a mapping, got a list [1,2.5]",
                error(() -> root.get("a").get("b").mapping("a mapping")));
        assertEquals("conf.yaml: a.b[0]: expected at least 2, got a number 1",
                error(() -> { throw root.get("a").get("b").get(0).expected("at least 2"); }));
        assertEquals("conf.yaml: a.b: expected a count, got a list [1,2.5]",
                error(() -> root.get("a").get("b").integer("a count")));
    }

    @Test
    void unknownKeysSuggestTheNearestOrListTheValidOnes() {
        ConfigNode root = yaml("top: {lenght: 1}\nzzzzzzzz: 2\n");
        assertEquals("conf.yaml: top.lenght: unknown key (did you mean 'length'?)",
                error(() -> root.get("top").checkKeys(List.of("length", "width"))));
        assertEquals("conf.yaml: zzzzzzzz: unknown key (expected one of: top, other)",
                error(() -> root.checkKeys(List.of("top", "other"))));
    }

    @Test
    void recordRulesAreReportedAtTheirKeyInTheFile() {
        record Range(int min, int max) {
            Range {
                if (min > max) {
                    throw new BadValueException("max", "expected at least min (" + min + "), got " + max);
                }
            }
        }
        ConfigNode range = yaml("range: {min: 3, max: 1}\n").get("range");
        assertEquals("conf.yaml: range.max: expected at least min (3), got 1", error(() -> range.build(
                () -> new Range(range.get("min").integer("an integer"), range.get("max").integer("an integer")))));
        assertEquals("max: expected at least min (3), got 1",
                assertThrows(BadValueException.class, () -> new Range(3, 1)).getMessage(), "outside a file");
    }

    @Test
    void fileLevelErrors(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("c.yaml");
        assertEquals(file + ": not found (expected a search config)", error(() -> ConfigNode.readYaml(file, "a search config")));
        Files.writeString(file, "a: [1\nb: 2\n");
        String syntax = error(() -> ConfigNode.readYaml(file, "x"));
        assertTrue(syntax.startsWith(file + ": invalid YAML: ") && syntax.contains("(line "), syntax);
        assertFalse(syntax.contains("\n"), syntax);
        Files.writeString(file, "a: 1\na: 2\n");
        assertTrue(error(() -> ConfigNode.readYaml(file, "x")).startsWith(file + ": invalid YAML: Duplicate field 'a'"));
        Files.writeString(file, "a: 1\n---\nb: 2\n");
        assertEquals(file + ": has 2 YAML documents, expected one", error(() -> ConfigNode.readYaml(file, "x")));
        Files.writeString(file, "");
        assertEquals(file + ": expected a mapping of settings, got an empty file",
                error(() -> ConfigNode.readYaml(file, "x").mapping("a mapping of settings")));
        Path json = dir.resolve("c.json");
        Files.writeString(json, "{\"a\": }");
        assertTrue(error(() -> ConfigNode.readJson(json, "x")).startsWith(json + ": invalid JSON: "));
    }
}
