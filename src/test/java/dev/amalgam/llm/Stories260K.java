package dev.amalgam.llm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.amalgam.Fixtures;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/** The stories260K fixture's run.c reference outputs (see the fixture's SOURCE.md); its HF folder is {@link Fixtures#stories260K()}. */
final class Stories260K {
    static final int BOS = 1;

    record PositionLogits(int pos, int inputToken, float[] logits) {
    }

    record Generation(String name, String prompt, int[] promptTokens, int steps, double temperature, int[] tokens,
                      String text, boolean stoppedOnBos, List<PositionLogits> logits) {
    }

    record Encoding(String prompt, int[] promptTokens) {
    }

    private Stories260K() {
    }

    private static JsonNode json; // read once, on first use (a missing fixture skips the test instead)

    private static synchronized JsonNode read() {
        if (json == null) {
            json = parse();
        }
        return json;
    }

    private static JsonNode parse() {
        try {
            return new ObjectMapper().readTree(Fixtures.stories260KReference().resolve("reference-outputs.json").toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<Generation> generations() {
        List<Generation> out = new ArrayList<>();
        for (JsonNode g : read().get("generations")) {
            List<PositionLogits> logits = new ArrayList<>();
            for (JsonNode l : g.path("logits")) {
                float[] values = new float[l.get("logits").size()];
                for (int i = 0; i < values.length; i++) {
                    values[i] = (float) l.get("logits").get(i).doubleValue();
                }
                logits.add(new PositionLogits(l.get("pos").intValue(), l.get("input_token").intValue(), values));
            }
            out.add(new Generation(g.get("name").asText(), g.get("prompt").asText(), ints(g.get("prompt_tokens")),
                    g.get("steps").intValue(), g.get("temperature").doubleValue(), ints(g.get("tokens")), g.get("text").asText(),
                    g.get("stopped_on_bos").booleanValue(), logits));
        }
        return out;
    }

    static List<Encoding> encodings() {
        List<Encoding> out = new ArrayList<>();
        for (JsonNode e : read().get("encodings")) {
            out.add(new Encoding(e.get("prompt").asText(), ints(e.get("prompt_tokens"))));
        }
        return out;
    }

    private static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).intValue();
        }
        return out;
    }
}
