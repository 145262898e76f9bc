package dev.amalgam.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Argument handling of {@code amalgam zoo build}; the build itself is tested in {@code ZooBuildTest}. */
class ZooCommandTest {
    @Test
    void aBaseFolderThatIsNotAModelIsBadInput(@TempDir Path tmp) throws Exception {
        Path notAModel = Files.createDirectories(tmp.resolve("empty"));
        StringWriter err = new StringWriter();
        CommandLine cli = AmalgamCommand.newCommandLine();
        cli.setErr(new PrintWriter(err));
        int code = cli.execute("zoo", "build", "--base", notAModel.toString(), "--out", tmp.resolve("zoo").toString());
        assertEquals(AmalgamCommand.EXIT_BAD_INPUT, code);
        assertTrue(err.toString().contains("config.json"), err.toString());
        assertFalse(Files.exists(tmp.resolve("zoo")));
    }

    @Test
    void aFolderThatIsNotAZooIsNeverReplaced(@TempDir Path tmp) throws Exception {
        Path mine = Files.createDirectories(tmp.resolve("mine"));
        Files.writeString(mine.resolve("thesis.txt"), "precious");
        StringWriter err = new StringWriter();
        CommandLine cli = AmalgamCommand.newCommandLine();
        cli.setErr(new PrintWriter(err));
        assertEquals(AmalgamCommand.EXIT_BAD_INPUT, cli.execute("zoo", "build", "--out", mine.toString()));
        assertTrue(err.toString().contains("not a zoo folder"), err.toString());
        assertEquals("precious", Files.readString(mine.resolve("thesis.txt")));
    }
}
