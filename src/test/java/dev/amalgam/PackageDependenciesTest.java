package dev.amalgam;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The main sources' package graph, from their import lines: no cycle, and the layers named in package-info hold. */
class PackageDependenciesTest {
    private static final Pattern PACKAGE = Pattern.compile("^package ([\\w.]+);", Pattern.MULTILINE);
    private static final Pattern IMPORT = Pattern.compile("^import (?:static )?(dev\\.amalgam\\.[\\w.]+);", Pattern.MULTILINE);

    /** Package (without {@code dev.amalgam}, root = "") to the Amalgam packages its classes import. */
    static Map<String, Set<String>> graph() throws IOException {
        Map<String, Set<String>> deps = new TreeMap<>();
        try (Stream<Path> files = Files.walk(Path.of("src/main/java"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                String text = Files.readString(f);
                Matcher p = PACKAGE.matcher(text);
                assertTrue(p.find(), f + " has no package line");
                String pkg = shortName(p.group(1));
                Set<String> out = deps.computeIfAbsent(pkg, k -> new TreeSet<>());
                Matcher i = IMPORT.matcher(text);
                while (i.find()) {
                    String imported = shortName(packageOf(i.group(1)));
                    if (!imported.equals(pkg)) {
                        out.add(imported);
                    }
                }
            }
        }
        return deps;
    }

    /** The package part of a class name: the segments before the first capitalised one. */
    private static String packageOf(String name) {
        List<String> parts = new ArrayList<>();
        for (String s : name.split("\\.")) {
            if (Character.isUpperCase(s.charAt(0))) {
                break;
            }
            parts.add(s);
        }
        return String.join(".", parts);
    }

    private static String shortName(String pkg) {
        return pkg.equals("dev.amalgam") ? "" : pkg.substring("dev.amalgam.".length());
    }

    @Test
    void noPackageCycles() throws IOException {
        Map<String, Set<String>> deps = graph();
        assertTrue(deps.size() > 10, "found the sources: " + deps.keySet());
        for (String start : deps.keySet()) {
            // Everything reachable from start; a cycle through start reaches start again.
            Set<String> seen = new HashSet<>();
            List<String> todo = new ArrayList<>(deps.get(start));
            while (!todo.isEmpty()) {
                String next = todo.removeLast();
                if (seen.add(next)) {
                    todo.addAll(deps.getOrDefault(next, Set.of()));
                }
            }
            assertTrue(!seen.contains(start), "package cycle through '" + start + "': " + deps);
        }
    }

    @Test
    void layersHold() throws IOException {
        Map<String, Set<String>> deps = graph();
        assertEquals(Set.of(), deps.get(""), "the root package depends on no Amalgam package");
        assertEquals(Set.of("", "files"), deps.get("history"), "history: journal files only, not evolve");
        assertEquals(Set.of("", "files", "history"), deps.get("report"), "report reads through history");
        assertTrue(deps.get("evolve.config").stream().noneMatch(d -> d.startsWith("evolve")), "config: " + deps.get("evolve.config"));
        assertEquals(Set.of("", "evolve.config", "merge", "recipe"), deps.get("evolve.genome"), "the genome is a pure codec");
        assertEquals(Set.of("evolve.config", "history"), deps.get("evolve.strategy"));
        assertEquals(Set.of(), deps.get("evolve.fitness"), "cheaper-fitness statistics are pure");
        deps.forEach((pkg, out) -> {
            if (!pkg.equals("cli") && !pkg.equals("bench")) {
                assertTrue(!out.contains("evolve.run") || pkg.equals("evolve.run") || pkg.equals("cluster"), pkg + " must not depend on evolve.run");
                assertTrue(!out.contains("cli"), pkg + " must not depend on cli");
                assertTrue(!out.contains("cluster") || pkg.equals("cluster"), pkg + " must not depend on cluster");
            }
        });
    }
}
