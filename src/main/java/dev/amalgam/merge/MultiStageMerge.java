package dev.amalgam.merge;

import dev.amalgam.BadInputException;
import dev.amalgam.files.StagedDirectory;
import dev.amalgam.recipe.MergeRecipe;
import dev.amalgam.recipe.ModelRef;
import dev.amalgam.recipe.RecipeStages;
import dev.amalgam.recipe.RecipeYaml;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * A multi-document recipe (mergekit-multi) run as one merge: each named stage is written to
 * {@code <intermediateDir>/<name>} and later stages read it there by name; the final stage goes to the
 * output folder. Without an intermediate folder the stages live in a hidden temporary folder beside the
 * output, deleted at the end. A kept intermediate whose recorded recipe equals the stage's is reused
 * (mergekit-multi's lazy default); one holding a different merge is an error, never overwritten.
 */
public final class MultiStageMerge {
    private MultiStageMerge() {
    }

    /**
     * Runs every stage in order and returns the final stage's result.
     *
     * @param run runs one prepared stage job (with the caller's progress display)
     */
    public static MergeJob.Result run(RecipeStages stages, MergeJob.Options options, Path intermediateDir,
                                      Function<MergeJob, MergeJob.Result> run) {
        Path out = options.out().toAbsolutePath().normalize();
        boolean temporary = intermediateDir == null;
        try {
            Path dir = temporary ? Files.createTempDirectory(out.getParent(), "." + out.getFileName() + ".stages-")
                    : Files.createDirectories(intermediateDir.toAbsolutePath().normalize());
            try {
                return runIn(stages, options, dir, run);
            } finally {
                if (temporary) {
                    StagedDirectory.deleteRecursively(dir);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot use the intermediate folder for " + out, e);
        }
    }

    private static MergeJob.Result runIn(RecipeStages stages, MergeJob.Options options, Path dir,
                                         Function<MergeJob, MergeJob.Result> run) {
        Map<ModelRef, ModelRef> produced = new HashMap<>();
        MergeJob.Result last = null;
        for (RecipeStages.Stage stage : stages.stages()) {
            MergeRecipe recipe = stage.recipe().withModels(produced);
            boolean isFinal = stage == stages.finalStage();
            Path target = isFinal ? options.out() : dir.resolve(stage.name());
            if (!isFinal && reusable(target, recipe)) {
                options.warnings().accept("stage " + stage.name() + ": reusing " + target + " (its recipe is unchanged)");
            } else {
                MergeJob.Options stageOptions = new MergeJob.Options(options.recipe(), target, options.shardBytes(),
                        options.device(), options.seed(), options.copyTokenizer(), options.overwrite(), options.warnings());
                try (MergeJob job = MergeJob.prepare(stageOptions, recipe)) {
                    last = run.apply(job);
                }
            }
            if (!isFinal) {
                produced.put(new ModelRef(stage.name()), new ModelRef(target.toAbsolutePath().normalize().toString()));
            }
        }
        return last;
    }

    /** An existing stage folder is reused only when it holds this very merge. */
    private static boolean reusable(Path target, MergeRecipe recipe) {
        if (!Files.exists(target)) {
            return false;
        }
        Path recorded = target.resolve(MergeJob.RECIPE_FILE);
        try {
            if (Files.isRegularFile(recorded) && Files.readString(recorded).equals(RecipeYaml.toYaml(recipe))) {
                return true;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + recorded, e);
        }
        throw new BadInputException(target + " exists and does not hold this stage's merge; remove it or choose"
                + " another --intermediate-dir");
    }
}
