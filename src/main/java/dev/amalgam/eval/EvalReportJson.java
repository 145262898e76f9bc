package dev.amalgam.eval;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.amalgam.files.AtomicFile;

import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * The JSON form of an {@link EvalReport}: {@code config} (caller's settings), {@code results} per task
 * ({@code {acc: {value, stderr, n}, ...}}), {@code groups}, {@code samples} per task (one object per document:
 * doc_id, logprobs, greedy, golds, predictions, correct) and {@code stats}. NaN standard errors are written as null.
 */
public final class EvalReportJson {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private EvalReportJson() {
    }

    public static ObjectNode toJson(EvalReport report, Map<String, Object> config) {
        ObjectNode root = JSON.createObjectNode();
        root.set("config", JSON.valueToTree(config));
        ObjectNode results = root.putObject("results");
        ObjectNode samples = root.putObject("samples");
        for (TaskResult task : report.tasks()) {
            ObjectNode t = results.putObject(task.name());
            t.put("num_fewshot", task.numFewshot());
            task.metrics().forEach((metric, value) -> t.set(metric, metric(value)));
            ArrayNode items = samples.putArray(task.name());
            for (ItemResult item : task.items()) {
                ObjectNode i = items.addObject();
                i.put("doc_id", item.docId());
                i.set("logprobs", JSON.valueToTree(item.logprobs()));
                i.set("greedy", JSON.valueToTree(item.greedy()));
                i.set("golds", JSON.valueToTree(item.golds()));
                i.set("predictions", JSON.valueToTree(item.predictions()));
                i.set("correct", JSON.valueToTree(item.correct()));
            }
        }
        ObjectNode groups = root.putObject("groups");
        for (GroupResult group : report.groups()) {
            ObjectNode g = groups.putObject(group.name());
            g.set("tasks", JSON.valueToTree(group.tasks()));
            g.put("weight_by_size", group.weightBySize());
            group.metrics().forEach((metric, value) -> g.set(metric, metric(value)));
        }
        ObjectNode stats = root.putObject("stats");
        stats.put("requests", report.stats().requests());
        stats.put("tokens", report.stats().tokens());
        stats.put("seconds", report.stats().seconds());
        stats.put("requests_per_second", report.stats().requestsPerSecond());
        stats.put("tokens_per_second", report.stats().tokensPerSecond());
        return root;
    }

    /** Writes the report atomically (a crash never leaves half a file). */
    public static void write(EvalReport report, Map<String, Object> config, Path file) {
        try {
            AtomicFile.writeString(file, JSON.writeValueAsString(toJson(report, config)) + "\n");
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static ObjectNode metric(MetricValue value) {
        ObjectNode m = JSON.createObjectNode();
        m.put("value", value.value());
        if (Double.isNaN(value.stderr())) {
            m.putNull("stderr");
        } else {
            m.put("stderr", value.stderr());
        }
        m.put("n", value.n());
        return m;
    }
}
