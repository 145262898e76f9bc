package dev.amalgam.cli;

import dev.amalgam.AmalgamVersion;
import dev.amalgam.BadInputException;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.UncheckedIOException;

/** The {@code amalgam} entry point: one picocli subcommand class per verb. */
@Command(name = "amalgam", mixinStandardHelpOptions = true, versionProvider = AmalgamCommand.Version.class,
        description = "Evolutionary merge-recipe search for large language models.",
        subcommands = {MergeCommand.class, EvalCommand.class, EvolveCommand.class, ExportCommand.class, ReportCommand.class,
                ZooCommand.class, WorkerCommand.class, AutoComplete.GenerateCompletion.class})
public final class AmalgamCommand implements Runnable {
    /** Exit code for bad input (a file, field or tensor the user gave). */
    public static final int EXIT_BAD_INPUT = 2;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** {@code amalgam --version}. */
    public static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return AmalgamVersion.lines().toArray(String[]::new);
        }
    }

    public static void main(String[] args) {
        System.exit(newCommandLine().execute(args));
    }

    /** The configured command line, also used by tests to run commands in-process. */
    public static CommandLine newCommandLine() {
        CommandLine cli = new CommandLine(new AmalgamCommand());
        // One line, like every other bad input, instead of picocli's message followed by the whole usage text.
        cli.setParameterExceptionHandler((ex, args) -> {
            CommandLine cmd = ex.getCommandLine();
            cmd.getErr().println("amalgam: error: " + ex.getMessage().lines().findFirst().orElse("")
                    + " (see '" + cmd.getCommandSpec().qualifiedName() + " --help')");
            return EXIT_BAD_INPUT;
        });
        cli.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            if (ex instanceof BadInputException || ex instanceof UncheckedIOException) {
                cmd.getErr().println("amalgam: error: " + ex.getMessage());
                return EXIT_BAD_INPUT;
            }
            throw ex;
        });
        return cli;
    }
}
