package dev.amalgam.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.amalgam.Fixtures;
import dev.amalgam.eval.TaskDocuments.DocumentSelection;
import dev.amalgam.llm.LlamaModel;
import dev.amalgam.llm.TextTokenizer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Scoring on the real stories260K model: known answers, batching and input sharing, and a scalar reference. */
class ScoringTest {
    private static LlamaModel model;
    private static TextTokenizer tokenizer;

    @BeforeAll
    static void load() {
        model = LlamaModel.load(Fixtures.stories260K());
        tokenizer = TextTokenizer.load(Fixtures.stories260K());
    }

    @AfterAll
    static void close() {
        if (model != null) { // null when the fixture is missing and the class was skipped
            model.close();
            tokenizer.close();
        }
    }

    @Test
    void storyContinuationsTheModelKnowsScoreFullAccuracy(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("stories.jsonl"), """
                {"prompt": "Once upon a", "options": ["time", "refrigerator voltage"], "gold": 0}
                {"prompt": "Once upon a time, there was a little", "options": ["quantum", "girl"], "gold": 1}
                {"prompt": "She was very", "options": ["happy", "xylophone"], "gold": 0}
                """);
        Path file = dir.resolve("stories.yaml");
        Files.writeString(file, """
                task: stories
                dataset: {path: ., files: {test: stories.jsonl}}
                test_split: test
                doc_to_text: "{{prompt}}"
                doc_to_choice: "{{options}}"
                doc_to_target: gold
                metric_list: [{metric: acc}, {metric: acc_norm}, {metric: acc_bytes}]
                """);
        TaskSelection selection = new TaskSelection(List.of(TaskRegistry.loadTaskFile(file, Optional.empty())), List.of());
        EvalReport report = Evaluator.evaluate(model, tokenizer, selection, EvalOptions.defaults());
        TaskResult stories = report.task("stories").orElseThrow();
        assertEquals(1.0, stories.value("acc"));
        assertEquals(1.0, stories.value("acc_norm"));
        assertEquals(3, stories.metrics().get("acc").n());
        ItemResult first = stories.items().getFirst();
        assertTrue(first.logprobs().get(0) > first.logprobs().get(1) + 5, first.logprobs().toString());
        assertTrue(first.greedy().get(0), "' time' is the model's greedy continuation of 'Once upon a'");
        assertEquals(6, report.stats().requests());
    }

    @Test
    void logprobsEqualAScalarLogSoftmaxOfUnbatchedLogits() {
        PreparedSuite suite = arcAndMmlu();
        List<TokenRequest> requests = suite.tasks().getFirst().requests().subList(0, 4);
        Loglikelihood[] batched = new LoglikelihoodScorer(new BatchSize.Fixed(4), true).score(model, requests, ScoringProgress.NONE);
        for (int i = 0; i < requests.size(); i++) {
            double expected = scalarLoglikelihood(requests.get(i));
            assertEquals(expected, batched[i].logprob(), 1e-4, "request " + i);
        }
    }

    @Test
    void batchedSharedScoringEqualsOneRequestAtATime() {
        // MMLU 5-shot prompts exceed stories260K's 512-token window, so left truncation is exercised too.
        PreparedSuite suite = arcAndMmlu();
        EvalOptions base = EvalOptions.defaults();
        EvalReport single = Evaluator.score(model, suite, base.withBatchSize(new BatchSize.Fixed(1)).withShareInputs(false));
        EvalReport batched = Evaluator.score(model, suite, base.withBatchSize(new BatchSize.Fixed(5)).withShareInputs(false));
        EvalReport shared = Evaluator.score(model, suite, base.withBatchSize(new BatchSize.Auto(BatchSize.Auto.DEFAULT_BUDGET)).withShareInputs(true));
        for (int t = 0; t < single.tasks().size(); t++) {
            List<ItemResult> a = single.tasks().get(t).items();
            for (EvalReport other : List.of(batched, shared)) {
                List<ItemResult> b = other.tasks().get(t).items();
                assertEquals(a.size(), b.size());
                for (int d = 0; d < a.size(); d++) {
                    for (int c = 0; c < a.get(d).logprobs().size(); c++) {
                        assertEquals(a.get(d).logprobs().get(c), b.get(d).logprobs().get(c), 1e-4, "task " + t + " doc " + d + " choice " + c);
                    }
                    assertEquals(a.get(d).greedy(), b.get(d).greedy());
                    assertEquals(a.get(d).predictions(), b.get(d).predictions());
                }
            }
        }
        // Requests with the same model input share a row. With this tokenizer " B", " C", " D" are one token each
        // (they share the context as input) but " A" is two ("▁", "A"), so the MMLU item needs two rows.
        // The shared pass then runs each item's common context once: a row's context is its input before its longest
        // continuation, and rows of equal context run it once, then their own tokens.
        Map<List<Integer>, Integer> longest = new HashMap<>(); // distinct input -> its members' longest continuation
        long unsharedTokens = 0;
        for (PreparedTask task : suite.tasks()) {
            for (TokenRequest r : task.requests()) {
                int[] t = r.tokens();
                List<Integer> input = Arrays.stream(Arrays.copyOfRange(t, Math.max(0, t.length - 513), t.length - 1)).boxed().toList();
                longest.merge(input, r.continuationLength(), Math::max);
                unsharedTokens += input.size();
            }
        }
        Map<List<Integer>, List<List<Integer>>> byContext = new HashMap<>();
        longest.forEach((input, cont) -> byContext.computeIfAbsent(input.subList(0, input.size() - cont), k -> new ArrayList<>()).add(input));
        long sharedTokens = 0;
        for (var family : byContext.entrySet()) {
            int context = family.getValue().size() > 1 ? family.getKey().size() : 0;
            sharedTokens += context + family.getValue().stream().mapToLong(input -> input.size() - context).sum();
        }
        assertEquals(unsharedTokens, single.stats().tokens());
        assertEquals(sharedTokens, shared.stats().tokens());
        assertEquals(2 * 4 + 2, longest.size());
        assertTrue(sharedTokens < unsharedTokens / 2, sharedTokens + " of " + unsharedTokens);
    }

    @Test
    void mmluGroupIsTheMicroAverageOfSubjects() {
        TaskSelection mmlu = EvalFixtures.shippedTasks().select(List.of("mmlu"));
        List<TaskDefinition> three = mmlu.tasks().subList(0, 3);
        TaskGroup group = new TaskGroup("mmlu3", Path.of("mmlu.yaml"), three, true);
        EvalReport report = Evaluator.evaluate(model, tokenizer, new TaskSelection(three, List.of(group)),
                EvalOptions.defaults().withNumFewshot(0).withDocuments(DocumentSelection.first(3)));
        int correct = 0;
        for (TaskResult t : report.tasks()) {
            correct += (int) t.items().stream().filter(i -> i.correct().get("acc")).count();
        }
        MetricValue acc = report.group("mmlu3").orElseThrow().metrics().get("acc");
        assertEquals(9, acc.n());
        assertEquals(correct / 9.0, acc.value(), 1e-12);
        assertEquals(acc.value(), report.value("mmlu3", "acc"));
    }

    /** ARC (2 docs, 4 multi-token choices) and MMLU anatomy (1 doc, 5-shot, letters). */
    private static PreparedSuite arcAndMmlu() {
        TaskRegistry registry = EvalFixtures.shippedTasks();
        TaskDefinition arc = registry.select(List.of("arc_challenge")).tasks().getFirst();
        TaskDefinition anatomy = registry.select(List.of("mmlu")).tasks().stream().filter(t -> t.name().equals("mmlu_anatomy")).findFirst().orElseThrow();
        PreparedSuite arcSuite = Evaluator.prepare(new TaskSelection(List.of(arc), List.of()), tokenizer, EvalOptions.defaults().withDocuments(DocumentSelection.first(2)));
        PreparedSuite mmluSuite = Evaluator.prepare(new TaskSelection(List.of(anatomy), List.of()), tokenizer, EvalOptions.defaults().withDocuments(DocumentSelection.first(1)));
        return new PreparedSuite(List.of(arcSuite.tasks().getFirst(), mmluSuite.tasks().getFirst()), List.of());
    }

    /** Sum of continuation log-probs from a batch-of-one forward, with log-softmax in plain Java doubles. */
    private static double scalarLoglikelihood(TokenRequest request) {
        int[] tokens = request.tokens();
        int[] input = Arrays.copyOf(tokens, tokens.length - 1);
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray logits = model.logits(manager, new int[][] {input}, new int[] {input.length});
            float[] flat = logits.toFloatArray();
            int vocab = model.vocabSize();
            double sum = 0;
            for (int j = 0; j < request.continuationLength(); j++) {
                int position = input.length - request.continuationLength() + j;
                double max = Double.NEGATIVE_INFINITY;
                for (int v = 0; v < vocab; v++) {
                    max = Math.max(max, flat[position * vocab + v]);
                }
                double z = 0;
                for (int v = 0; v < vocab; v++) {
                    z += Math.exp(flat[position * vocab + v] - max);
                }
                sum += flat[position * vocab + tokens[position + 1]] - max - Math.log(z);
            }
            return sum;
        }
    }
}
