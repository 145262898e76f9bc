package dev.amalgam.cli;

import dev.amalgam.report.ReportWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

/** {@code amalgam report results/<run> [more runs...]}: plots and an HTML page from a search journal. */
@Command(name = "report", mixinStandardHelpOptions = true,
        description = {"Plot a search from its journal (fitness curves, best genes, Pareto front) and write a "
                + "self-contained report.html; print a short summary.",
                "Works on a finished, running or killed search: it reads the complete rows and generations.",
                "With several runs, their best curves are compared against evaluations."})
public final class ReportCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "RUN", description = "search folder results/<run>; the first is "
            + "reported in detail")
    List<Path> runs;

    @Option(names = "--out", paramLabel = "DIR", description = "output folder (default: <first RUN>/report)")
    Path out;

    @Option(names = "--objectives", split = ",", paramLabel = "TASK,TASK", hideParamSyntax = true,
            description = "the two tasks on the Pareto plot of an NSGA-II run (default: the first two)")
    List<String> objectives;

    @Override
    public Integer call() {
        ReportWriter.Report report = ReportWriter.write(new ReportWriter.Options(runs, Optional.ofNullable(out),
                objectives == null ? List.of() : objectives));
        report.summary().forEach(spec.commandLine().getOut()::println);
        spec.commandLine().getOut().flush();
        return 0;
    }
}
