package dev.amalgam.recipe;

import dev.amalgam.BadValueException;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * A recipe's output tokenizer, as mergekit's {@code tokenizer_source} or {@code tokenizer:} block
 * ({@code mergekit/tokenizer/config.py} TokenizerConfig) gives it.
 *
 * @param source          "base", "union" or a model reference
 * @param tokens          per-token embedding settings ({@code tokenizer.tokens}), in document order; a token
 *                        the output vocabulary lacks is added to it
 * @param padToMultipleOf embedding rows (and {@code vocab_size}) rounded up to a multiple of this, or null
 */
public record TokenizerSettings(String source, Map<String, TokenEmbedding> tokens, Integer padToMultipleOf) {
    public static final String BASE = "base";
    public static final String UNION = "union";

    public TokenizerSettings {
        Objects.requireNonNull(source, "source");
        tokens = tokens == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(tokens));
        if (padToMultipleOf != null && padToMultipleOf <= 0) {
            throw new BadValueException("pad_to_multiple_of", "expected a positive integer, got " + padToMultipleOf);
        }
    }

    /** {@code tokenizer_source: SOURCE} (null for null: no tokenizer setting). */
    public static TokenizerSettings of(String source) {
        return source == null ? null : new TokenizerSettings(source, Map.of(), null);
    }

    /** Whether the source names a model (not base or union). */
    public boolean sourceIsModel() {
        return !source.equals(BASE) && !source.equals(UNION);
    }

    /** Whether only the source is set (writable as {@code tokenizer_source}). */
    public boolean sourceOnly() {
        return tokens.isEmpty() && padToMultipleOf == null;
    }

    /** The same settings with model references replaced. */
    TokenizerSettings withModels(UnaryOperator<ModelRef> replace) {
        Map<String, TokenEmbedding> t = new LinkedHashMap<>();
        tokens.forEach((token, e) -> t.put(token, new TokenEmbedding(switch (e.source()) {
            case TokenSource.Model m -> new TokenSource.Model(replace.apply(m.model()));
            case TokenSource.ModelToken mt -> new TokenSource.ModelToken(replace.apply(mt.model()), mt.token(), mt.tokenId());
            case TokenSource.Zero z -> z;
        }, e.force())));
        return new TokenizerSettings(sourceIsModel() ? replace.apply(new ModelRef(source)).text() : source, t, padToMultipleOf);
    }

    /**
     * One token's embedding setting: where its row comes from where a model lacks the token (every model
     * when {@code force}).
     */
    public record TokenEmbedding(TokenSource source, boolean force) {
        public TokenEmbedding {
            Objects.requireNonNull(source, "source");
        }
    }

    /** Where a token's embedding row comes from (mergekit's ModelReference, ZeroEmbedding, ModelTokenEmbedding). */
    public sealed interface TokenSource {
        /** The model's own row for the same token. */
        record Model(ModelRef model) implements TokenSource {
        }

        /** A zero row ({@code {kind: zero}}). */
        record Zero() implements TokenSource {
        }

        /** The model's row of another token, by text or by id ({@code {kind: model_token, model, token | token_id}}). */
        record ModelToken(ModelRef model, String token, Integer tokenId) implements TokenSource {
            public ModelToken {
                Objects.requireNonNull(model, "model");
                if ((token == null) == (tokenId == null)) {
                    throw new BadValueException("source", "give one of token and token_id");
                }
                if (tokenId != null && tokenId < 0) {
                    throw new BadValueException("source.token_id", "expected a token id >= 0, got " + tokenId);
                }
            }
        }
    }
}
