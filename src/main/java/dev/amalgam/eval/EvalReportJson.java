package dev.amalgam.eval;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.amalgam.files.AtomicFile;

import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * An {@link EvalReport} as lm-evaluation-harness's {@code simple_evaluate} returns it with {@code log_samples}, so tools
 * that read lm-eval output read ours: {@code results} (tasks and groups) and {@code groups} hold
 * {@code "acc,none"}, {@code "acc_stderr,none"}, ... ({@code "N/A"} where a standard error is undefined, as lm-eval);
 * {@code group_subtasks}, {@code configs}, {@code versions}, {@code n-shot}, {@code higher_is_better},
 * {@code n-samples} ({@code original}, {@code effective}); {@code samples} per task, one record per document with
 * lm-eval's fields: {@code doc_id}, {@code target}, {@code arguments} ([context, continuation] per choice),
 * {@code resps} ([[loglikelihood, is_greedy]] per choice), {@code filtered_resps} ([loglikelihood, is_greedy]),
 * {@code filter}, {@code metrics} and one 0/1 value per metric. Amalgam adds {@code predictions} per metric and
 * {@code stats} (requests, tokens, seconds).
 */
public final class EvalReportJson {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    /** lm-eval's filter name for loglikelihood tasks, the suffix of every metric key. */
    private static final String FILTER = "none";

    private EvalReportJson() {
    }

    /** {@code config} holds the caller's settings (lm-eval's {@code config}: model, model_args, batch_size, limit, ...). */
    public static ObjectNode toJson(EvalReport report, PreparedSuite suite, Map<String, Object> config) {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode results = root.putObject("results");
        ObjectNode groups = root.putObject("groups");
        ObjectNode groupSubtasks = root.putObject("group_subtasks");
        ObjectNode configs = root.putObject("configs");
        ObjectNode versions = root.putObject("versions");
        ObjectNode nShot = root.putObject("n-shot");
        ObjectNode higherIsBetter = root.putObject("higher_is_better");
        ObjectNode nSamples = root.putObject("n-samples");
        ObjectNode samples = root.putObject("samples");
        for (GroupResult group : report.groups()) {
            metrics(results.putObject(group.name()), group.name(), group.metrics());
            metrics(groups.putObject(group.name()), group.name(), group.metrics());
            groupSubtasks.set(group.name(), JSON.valueToTree(group.tasks()));
            TaskGroup definition = suite.groups().stream().filter(g -> g.name().equals(group.name())).findFirst().orElseThrow();
            version(versions, group.name(), TaskRegistry.version(definition.file()));
            ObjectNode better = higherIsBetter.putObject(group.name());
            group.metrics().keySet().forEach(m -> better.put(m, true));
        }
        for (TaskResult task : report.tasks()) {
            PreparedTask prepared = suite.tasks().stream().filter(t -> t.name().equals(task.name())).findFirst().orElseThrow();
            metrics(results.putObject(task.name()), task.name(), task.metrics());
            if (report.groups().stream().noneMatch(g -> g.tasks().contains(task.name()))) {
                groupSubtasks.putArray(task.name());
            }
            configs.set(task.name(), config(prepared.task()));
            version(versions, task.name(), TaskRegistry.version(prepared.task().file()));
            nShot.put(task.name(), task.numFewshot());
            ObjectNode better = higherIsBetter.putObject(task.name());
            task.metrics().keySet().forEach(m -> better.put(m, true));
            ObjectNode n = nSamples.putObject(task.name());
            n.put("original", prepared.splitSize());
            n.put("effective", task.items().size());
            ArrayNode records = samples.putArray(task.name());
            for (int d = 0; d < task.items().size(); d++) {
                records.add(sample(task.items().get(d), prepared.documents().get(d), prepared.task().targetDelimiter()));
            }
        }
        root.set("config", JSON.valueToTree(config));
        ObjectNode stats = root.putObject("stats");
        stats.put("requests", report.stats().requests());
        stats.put("tokens", report.stats().tokens());
        stats.put("seconds", report.stats().seconds());
        stats.put("requests_per_second", report.stats().requestsPerSecond());
        stats.put("tokens_per_second", report.stats().tokensPerSecond());
        root.put("total_evaluation_time_seconds", String.valueOf(report.stats().seconds()));
        return root;
    }

    /** Writes the report atomically (a crash never leaves half a file). */
    public static void write(EvalReport report, PreparedSuite suite, Map<String, Object> config, Path file) {
        try {
            AtomicFile.writeString(file, JSON.writeValueAsString(toJson(report, suite, config)) + "\n");
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void metrics(ObjectNode out, String alias, Map<String, MetricValue> metrics) {
        out.put("alias", alias);
        metrics.forEach((metric, value) -> {
            out.put(metric + "," + FILTER, value.value());
            String stderr = metric + "_stderr," + FILTER;
            if (Double.isNaN(value.stderr())) {
                out.put(stderr, "N/A");
            } else {
                out.put(stderr, value.stderr());
            }
        });
    }

    private static void version(ObjectNode versions, String name, java.util.Optional<Double> version) {
        version.ifPresentOrElse(v -> versions.put(name, v), () -> versions.putNull(name));
    }

    /** The task's settings under lm-eval's config keys. */
    private static ObjectNode config(TaskDefinition task) {
        ObjectNode c = JSON.createObjectNode();
        c.put("task", task.name());
        c.put("dataset_path", task.dataset().dir().toString());
        c.set("dataset_kwargs", JSON.createObjectNode().set("data_files", JSON.valueToTree(task.dataset().files())));
        task.testSplit().ifPresent(s -> c.put("test_split", s));
        task.validationSplit().ifPresent(s -> c.put("validation_split", s));
        task.trainingSplit().ifPresent(s -> c.put("training_split", s));
        task.fewshotSplit().ifPresent(s -> c.put("fewshot_split", s));
        task.description().ifPresent(d -> c.put("description", d.source()));
        c.put("doc_to_text", task.docToText().source());
        c.put("doc_to_target", task.docToTarget().source());
        switch (task.docToChoice()) {
            case ChoiceSource.Fixed fixed -> c.set("doc_to_choice", JSON.valueToTree(fixed.values()));
            case ChoiceSource.Templated templated -> c.put("doc_to_choice", templated.template().source());
        }
        c.put("target_delimiter", task.targetDelimiter());
        c.put("fewshot_delimiter", task.fewshotDelimiter());
        c.put("num_fewshot", task.numFewshot());
        ArrayNode metricList = c.putArray("metric_list");
        task.metrics().forEach(m -> metricList.addObject().put("metric", m.key()).put("aggregation", "mean").put("higher_is_better", true));
        c.put("output_type", "multiple_choice");
        TaskRegistry.version(task.file()).ifPresent(v -> c.putObject("metadata").put("version", v));
        return c;
    }

    /** One document as lm-eval's {@code --log_samples} record. */
    private static ObjectNode sample(ItemResult item, McDocument doc, String targetDelimiter) {
        ObjectNode s = JSON.createObjectNode();
        s.put("doc_id", item.docId());
        if (item.golds().size() == 1) {
            s.put("target", item.golds().getFirst());
        } else {
            s.set("target", JSON.valueToTree(item.golds()));
        }
        ArrayNode arguments = s.putArray("arguments");
        ArrayNode resps = s.putArray("resps");
        ArrayNode filtered = s.putArray("filtered_resps");
        for (int c = 0; c < item.logprobs().size(); c++) {
            arguments.addArray().add(doc.context()).add(targetDelimiter + doc.choices().get(c));
            resps.addArray().addArray().add(item.logprobs().get(c)).add(item.greedy().get(c));
            filtered.addArray().add(item.logprobs().get(c)).add(item.greedy().get(c));
        }
        s.put("filter", FILTER);
        s.set("metrics", JSON.valueToTree(List.copyOf(item.correct().keySet())));
        item.correct().forEach((metric, hit) -> s.put(metric, hit ? 1.0 : 0.0));
        s.set("predictions", JSON.valueToTree(item.predictions()));
        return s;
    }
}
