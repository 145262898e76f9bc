package dev.amalgam.eval;

import dev.amalgam.NonFiniteException;
import dev.amalgam.llm.CausalLanguageModel;
import dev.amalgam.llm.TextTokenizer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * Multiple-choice evaluation with lm-evaluation-harness semantics. For repeated scoring (the search), call
 * {@link #prepare} once and {@link #score} per candidate model: rendering and tokenisation are not repeated.
 */
public final class Evaluator {
    private Evaluator() {
    }

    /**
     * Renders and tokenises every task's documents; reusable for every model sharing {@code tokenizer}.
     * The tokenizer is called from several threads (Hugging Face tokenizers are thread-safe).
     */
    public static PreparedSuite prepare(TaskSelection selection, TextTokenizer tokenizer, EvalOptions options) {
        TaskSelection chosen = options.numFewshot().isPresent() ? selection.withNumFewshot(options.numFewshot().getAsInt()) : selection;
        TaskDocuments renderer = new TaskDocuments();
        RequestEncoder encoder = new RequestEncoder(tokenizer);
        List<PreparedTask> prepared = new ArrayList<>();
        for (TaskDefinition task : chosen.tasks()) {
            List<McDocument> docs = renderer.render(task, options.documents());
            // Tokenisation dominates preparation (each choice encodes the whole prompt): documents in parallel.
            List<List<TokenRequest>> perDocument = IntStream.range(0, docs.size()).parallel()
                    .mapToObj(d -> encode(encoder, docs.get(d), task.targetDelimiter())).toList();
            List<TokenRequest> requests = new ArrayList<>();
            int[] first = new int[docs.size()];
            for (int d = 0; d < docs.size(); d++) {
                first[d] = requests.size();
                requests.addAll(perDocument.get(d));
            }
            prepared.add(new PreparedTask(task, docs, renderer.splitSize(task), requests, first));
        }
        return new PreparedSuite(prepared, chosen.groups());
    }

    /** One request per choice: (context, target delimiter + choice), the context encoded once. */
    private static List<TokenRequest> encode(RequestEncoder encoder, McDocument doc, String targetDelimiter) {
        String movedContext = RequestEncoder.moveTrailingWhitespace(doc.context(), "")[0];
        int[] contextTokens = encoder.encodeContext(movedContext);
        List<TokenRequest> requests = new ArrayList<>();
        for (String choice : doc.choices()) {
            String[] pair = RequestEncoder.moveTrailingWhitespace(doc.context(), targetDelimiter + choice);
            requests.add(encoder.encode(pair[0], pair[1], contextTokens));
        }
        return requests;
    }

    /** Prepares and scores in one go (the CLI's path). */
    public static EvalReport evaluate(CausalLanguageModel model, TextTokenizer tokenizer, TaskSelection selection, EvalOptions options) {
        return score(model, prepare(selection, tokenizer, options), options);
    }

    /** Scores every request of {@code suite} with {@code model} (one batched pass over all tasks) and computes metrics. */
    public static EvalReport score(CausalLanguageModel model, PreparedSuite suite, EvalOptions options) {
        List<TokenRequest> all = new ArrayList<>();
        suite.tasks().forEach(t -> all.addAll(t.requests()));
        long[] tokens = {0};
        long start = System.nanoTime();
        Loglikelihood[] results = new LoglikelihoodScorer(options.batchSize(), options.shareInputs()).score(model, all,
                (requests, batchTokens) -> {
                    tokens[0] += batchTokens;
                    options.progress().batchDone(requests, batchTokens);
                });
        double seconds = (System.nanoTime() - start) / 1e9;

        List<TaskResult> taskResults = new ArrayList<>();
        Map<String, TaskResult> byName = new HashMap<>();
        int offset = 0;
        for (PreparedTask task : suite.tasks()) {
            TaskResult result = taskResult(task, results, offset);
            offset += task.requests().size();
            taskResults.add(result);
            byName.put(result.name(), result);
        }
        List<GroupResult> groups = suite.groups().stream().map(g -> GroupResult.aggregate(g, byName)).toList();
        return new EvalReport(taskResults, groups, new EvalReport.Stats(all.size(), tokens[0], seconds));
    }

    private static TaskResult taskResult(PreparedTask prepared, Loglikelihood[] results, int offset) {
        TaskDefinition task = prepared.task();
        List<ItemResult> items = new ArrayList<>();
        Map<Metric, double[]> scores = new LinkedHashMap<>();
        task.metrics().forEach(m -> scores.put(m, new double[prepared.documents().size()]));
        for (int d = 0; d < prepared.documents().size(); d++) {
            McDocument doc = prepared.documents().get(d);
            int first = offset + prepared.firstRequest()[d];
            double[] logprobs = new double[doc.choices().size()];
            List<Boolean> greedy = new ArrayList<>();
            for (int c = 0; c < logprobs.length; c++) {
                logprobs[c] = results[first + c].logprob();
                greedy.add(results[first + c].greedy());
                if (!Double.isFinite(logprobs[c])) {
                    // A NaN would never win an argmax, so every item would quietly predict choice 0.
                    throw new NonFiniteException("task " + task.name() + " (" + task.file() + "): document " + doc.docId() + " of split '"
                            + task.evalSplit() + "', choice " + c + ": the log-likelihood is " + logprobs[c]
                            + "; the model's weights or activations are not finite");
                }
            }
            Map<String, Integer> predictions = new LinkedHashMap<>();
            Map<String, Boolean> correct = new LinkedHashMap<>();
            for (Metric metric : task.metrics()) {
                int prediction = metric.predict(logprobs, doc.choices());
                boolean hit = doc.golds().contains(prediction);
                predictions.put(metric.key(), prediction);
                correct.put(metric.key(), hit);
                scores.get(metric)[d] = hit ? 1 : 0;
            }
            items.add(new ItemResult(doc.docId(), java.util.Arrays.stream(logprobs).boxed().toList(), greedy, doc.golds(), predictions, correct));
        }
        Map<String, MetricValue> metrics = new LinkedHashMap<>();
        scores.forEach((metric, s) -> metrics.put(metric.key(), MetricValue.ofScores(s)));
        return new TaskResult(task.name(), task.numFewshot(), metrics, items);
    }
}
