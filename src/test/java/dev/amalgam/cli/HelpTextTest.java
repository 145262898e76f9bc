package dev.amalgam.cli;

import dev.amalgam.CliRun;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The help every command prints. picocli runs every description line through {@link String#format} before it prints
 * it; where that fails it prints the raw line and "[picocli WARN] Could not format" lines on standard error (a bare
 * percent sign in {@code evolve --memory-budget}'s did).
 */
class HelpTextTest {
    @Test
    void everyCommandsHelpPrintsWithoutPicocliWarnings() {
        PrintStream err = System.err;
        ByteArrayOutputStream warnings = new ByteArrayOutputStream();
        List<CommandLine> commands = commands(AmalgamCommand.newCommandLine());
        assertTrue(commands.size() > 5, "the walk reached the subcommands: " + commands.size());
        System.setErr(new PrintStream(warnings, true, StandardCharsets.UTF_8));
        try {
            commands.forEach(CommandLine::getUsageMessage);
        } finally {
            System.setErr(err);
        }
        String printed = warnings.toString(StandardCharsets.UTF_8);
        assertFalse(printed.contains("[picocli WARN]"), printed);
    }

    /**
     * picocli prints each element of a description array on a line of its own and wraps it at the terminal's width, so
     * a sentence split over two elements breaks in the middle of the help's line ("an existing" / "non-empty OUT_DIR").
     */
    @Test
    void aDescriptionOfSeveralLinesHasOneSentenceALine() {
        List<String> split = new ArrayList<>();
        for (CommandLine cli : commands(AmalgamCommand.newCommandLine())) {
            CommandSpec spec = cli.getCommandSpec();
            if (spec.userObject().getClass().getName().startsWith("picocli.")) {
                continue; // picocli's own generate-completion lays its help out in lines of its choosing
            }
            List<String[]> all = new ArrayList<>();
            all.add(spec.usageMessage().description());
            spec.options().forEach(o -> all.add(o.description()));
            spec.positionalParameters().forEach(p -> all.add(p.description()));
            for (String[] lines : all) {
                for (int i = 0; lines.length > 1 && i < lines.length; i++) {
                    if (!lines[i].endsWith(".")) {
                        split.add(spec.qualifiedName() + ": " + lines[i]);
                    }
                }
            }
        }
        assertEquals(List.of(), split);
    }

    @Test
    void theMemoryBudgetHelpShowsItsPercentSign() {
        CliRun help = CliRun.run("evolve", "--help");
        assertEquals(0, help.exit());
        assertTrue(help.out().replaceAll("\\s+", " ").contains("(default: 80% of physical memory)"), help.out());
    }

    /** {@code cli} and every subcommand under it. */
    private static List<CommandLine> commands(CommandLine cli) {
        List<CommandLine> all = new ArrayList<>(List.of(cli));
        cli.getSubcommands().values().forEach(sub -> all.addAll(commands(sub)));
        return all;
    }
}
