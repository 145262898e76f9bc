package dev.amalgam.cli;

import dev.amalgam.evolve.run.RunExport;
import dev.amalgam.files.AtomicFile;
import dev.amalgam.recipe.RecipeYaml;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code amalgam export RUN_DIR [--rank N] [-o recipe.yaml]}: a search result as a mergekit merge YAML. */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = {"Write the merge recipe of a search run's candidate (default: the best) as mergekit-compatible YAML.",
                "`amalgam merge` turns it into exactly the tensors the search scored."})
public final class ExportCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "RUN_DIR", description = "a run folder under results/")
    Path run;

    @Option(names = "--rank", defaultValue = "1", description = "1 = best by search fitness (the held-out re-score reports, it does not rank)")
    int rank;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "write here instead of standard output")
    Path output;

    @Option(names = "--overwrite", description = "replace an existing --output file")
    boolean overwrite;

    @Override
    public Integer call() {
        if (output != null) {
            AtomicFile.refuseExisting(output, overwrite);
        }
        RunExport.Exported e = RunExport.export(run, rank);
        String yaml = "# amalgam export " + run + " --rank " + e.rank() + ": candidate " + e.candidate().id()
                + " (search fitness " + e.candidate().fitness() + ")\n" + RecipeYaml.toYaml(e.recipe());
        if (output == null) {
            System.out.print(yaml);
        } else {
            AtomicFile.writeString(output, yaml);
            System.err.println("wrote " + output + " (candidate " + e.candidate().id() + ", rank " + e.rank() + " of " + e.ranked() + ")");
        }
        return 0;
    }
}
