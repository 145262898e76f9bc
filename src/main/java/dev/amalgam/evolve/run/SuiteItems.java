package dev.amalgam.evolve.run;

import dev.amalgam.eval.EvalReport;
import dev.amalgam.eval.ItemResult;
import dev.amalgam.eval.McDocument;
import dev.amalgam.eval.PreparedSuite;
import dev.amalgam.eval.PreparedTask;
import dev.amalgam.eval.TaskGroup;
import dev.amalgam.eval.TokenRequest;
import dev.amalgam.evolve.config.EvaluationSettings;
import dev.amalgam.evolve.config.SearchConfig;
import dev.amalgam.evolve.config.TaskObjective;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/**
 * The items of a {@link TaskSuite}: each document of each prepared task, numbered task by task in document order,
 * so the cheaper fitness modes ({@code evaluation.fitness}) can score a candidate on some items, keep each item's
 * value, and score more items later without rescoring the first. An item's value is the search objective's
 * per-document quantity for the task objective the document belongs to: 0/1 correctness for the {@code metric}
 * objective, the gold probability or log-probability margin for the smooth ones.
 *
 * <p>A task objective's estimate from some items is the mean of their values (a group's documents pooled), and the
 * fitness is the configured weighting of those estimates. With every item scored this is the task's metric; for a
 * group whose metric is not weighted by size, the pooled mean weights its tasks by their sizes instead.
 */
public final class SuiteItems {
    private final SearchConfig config;
    private final PreparedSuite suite;
    private final EvaluationSettings.Objective objective;
    private final int[] taskOf;      // item -> prepared task index
    private final int[] docOf;       // item -> document index within its task
    private final int[] objectiveOf; // prepared task -> the first task objective it counts for (-1: none)

    /**
     * What scoring some items measured.
     *
     * @param values the objective's value per item asked, in the order asked
     * @param tokens forward-pass tokens run
     */
    public record Scored(double[] values, long tokens) {
        public Scored {
            values = values.clone();
        }

        @Override
        public double[] values() {
            return values.clone();
        }
    }

    SuiteItems(SearchConfig config, PreparedSuite suite, EvaluationSettings.Objective objective) {
        this.config = config;
        this.suite = suite;
        this.objective = objective;
        int count = suite.tasks().stream().mapToInt(t -> t.documents().size()).sum();
        taskOf = new int[count];
        docOf = new int[count];
        objectiveOf = new int[suite.tasks().size()];
        int item = 0;
        for (int t = 0; t < suite.tasks().size(); t++) {
            PreparedTask task = suite.tasks().get(t);
            objectiveOf[t] = objectiveOf(task.name());
            for (int d = 0; d < task.documents().size(); d++, item++) {
                taskOf[item] = t;
                docOf[item] = d;
            }
        }
    }

    private int objectiveOf(String task) {
        for (int o = 0; o < config.tasks().size(); o++) {
            String name = config.tasks().get(o).name();
            if (name.equals(task)) {
                return o;
            }
            for (TaskGroup g : suite.groups()) {
                if (g.name().equals(name) && g.tasks().stream().anyMatch(t -> t.name().equals(task))) {
                    return o;
                }
            }
        }
        return -1;
    }

    /** The task objective item {@code item} counts for (-1: none). */
    int objectiveOfItem(int item) {
        return objectiveOf[taskOf[item]];
    }

    /** How many task objectives the estimates have. */
    int objectives() {
        return config.tasks().size();
    }

    /** How many items the split has. */
    public int count() {
        return taskOf.length;
    }

    /**
     * Scores the items {@code which} with {@code scorer} (a model's {@code Evaluator.score} over a suite of just those
     * documents, in one batched pass).
     */
    Scored score(int[] which, Function<PreparedSuite, EvalReport> scorer) {
        List<PreparedTask> tasks = new ArrayList<>();
        List<int[]> chosenOfTask = new ArrayList<>();
        for (int t = 0; t < suite.tasks().size(); t++) {
            final int task = t;
            int[] docs = Arrays.stream(which).filter(i -> taskOf[i] == task).map(i -> docOf[i]).toArray();
            if (docs.length > 0) {
                tasks.add(subset(suite.tasks().get(t), docs));
                chosenOfTask.add(docs);
            }
        }
        // No groups: the estimates pool documents themselves, and a group with an unscored task has no aggregate.
        EvalReport report = scorer.apply(new PreparedSuite(tasks, List.of()));
        double[] values = new double[which.length];
        for (int k = 0; k < which.length; k++) {
            int t = taskOf[which[k]];
            String name = suite.tasks().get(t).name();
            int position = tasks.indexOf(tasks.stream().filter(p -> p.name().equals(name)).findFirst().orElseThrow());
            int[] docs = chosenOfTask.get(position);
            int index = 0;
            while (docs[index] != docOf[which[k]]) {
                index++;
            }
            ItemResult result = report.task(name).orElseThrow().items().get(index);
            values[k] = value(result, objectiveOf[t]);
        }
        return new Scored(values, report.stats().tokens());
    }

    private double value(ItemResult item, int objectiveIndex) {
        if (objectiveIndex < 0) {
            return Double.NaN; // a task no objective counts (a group member listed for another reason): not in the fitness
        }
        TaskObjective o = config.tasks().get(objectiveIndex);
        return switch (objective) {
            case METRIC -> Boolean.TRUE.equals(item.correct().get(o.metric())) ? 1 : 0;
            case GOLD_PROBABILITY -> SmoothObjective.goldProbability(item);
            case LOGPROB_MARGIN -> SmoothObjective.margin(item);
        };
    }

    private static PreparedTask subset(PreparedTask task, int[] docs) {
        List<McDocument> documents = new ArrayList<>();
        List<TokenRequest> requests = new ArrayList<>();
        int[] first = new int[docs.length];
        for (int k = 0; k < docs.length; k++) {
            McDocument doc = task.documents().get(docs[k]);
            documents.add(doc);
            first[k] = requests.size();
            int from = task.firstRequest()[docs[k]];
            requests.addAll(task.requests().subList(from, from + doc.choices().size()));
        }
        return new PreparedTask(task.task(), documents, task.splitSize(), requests, first);
    }

    /**
     * Per task objective the mean value of its scored items, [tasks] in config order ({@code NaN} for an objective
     * with none scored).
     *
     * @param values per item its value, {@code NaN} where not scored, [count]
     */
    public double[] taskEstimates(double[] values) {
        double[] sum = new double[config.tasks().size()];
        int[] n = new int[sum.length];
        for (int i = 0; i < values.length; i++) {
            int o = objectiveOf[taskOf[i]];
            if (o >= 0 && !Double.isNaN(values[i])) {
                sum[o] += values[i];
                n[o]++;
            }
        }
        double[] out = new double[sum.length];
        for (int o = 0; o < out.length; o++) {
            out[o] = n[o] == 0 ? Double.NaN : sum[o] / n[o];
        }
        return out;
    }
}
