package dev.amalgam.eval;

import java.util.List;

/**
 * A task's rendered documents and tokenised requests, model-independent (given one tokenizer), so the search can
 * score many candidate models on the same requests. Document i's choices are requests
 * {@code firstRequest[i] .. firstRequest[i] + choices - 1}. {@code splitSize} counts the scored split's documents before
 * {@code --limit} (lm-eval's {@code n-samples.original}).
 */
public record PreparedTask(TaskDefinition task, List<McDocument> documents, int splitSize, List<TokenRequest> requests, int[] firstRequest) {
    public PreparedTask {
        documents = List.copyOf(documents);
        requests = List.copyOf(requests);
        firstRequest = firstRequest.clone();
        if (firstRequest.length != documents.size()) {
            throw new IllegalArgumentException("firstRequest has " + firstRequest.length + " entries for " + documents.size() + " documents");
        }
    }

    public String name() {
        return task.name();
    }
}
