package dev.amalgam.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Reads a journal CSV by plain splitting, independently of the reader under test: header first, then rows. */
final class PlainCsv {
    private PlainCsv() {
    }

    static List<String[]> rows(Path csv) throws IOException {
        List<String[]> out = new ArrayList<>();
        for (String line : Files.readAllLines(csv)) {
            out.add(line.split(",", -1));
        }
        return out;
    }

    static int column(List<String[]> rows, String name) {
        int i = Arrays.asList(rows.getFirst()).indexOf(name);
        if (i < 0) {
            throw new IllegalArgumentException("no column " + name);
        }
        return i;
    }
}
