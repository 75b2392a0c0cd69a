package io.tuneforge.trainer.generate;

import java.util.List;
import java.util.OptionalLong;
import java.util.function.IntPredicate;

/**
 * Decoding settings (Hugging Face {@code generate} names and order: repetition penalty, temperature, top-k, top-p).
 *
 * @param maxNewTokens      generate at most this many tokens
 * @param temperature       0 means greedy (argmax); otherwise logits are divided by it before sampling
 * @param topK              keep the k most likely tokens (0 = off)
 * @param topP              keep the smallest set whose probability reaches p (1 = off)
 * @param repetitionPenalty CTRL penalty on tokens already in prompt or output (1 = off): positive logits divided,
 *                          negative multiplied
 * @param seed              seeds sampling; the same seed, prompt and settings give the same text (empty: random)
 * @param stopStrings       generation stops before the first occurrence of any of these (not part of the output)
 * @param stopOnEos         stop at any of the model's EOS ids (not part of the output)
 * @param stopTokenIds      further ids that end generation like EOS (not part of the output), e.g. a chat
 *                          template's end-of-turn token that the tokenizer's EOS list lacks; special tokens are not
 *                          decoded into text, so a stop string alone would never see them
 */
public record GenerationConfig(int maxNewTokens, double temperature, int topK, double topP, double repetitionPenalty,
                               OptionalLong seed, List<String> stopStrings, boolean stopOnEos,
                               List<Integer> stopTokenIds) {

    /** Settings without extra stop ids. */
    public GenerationConfig(int maxNewTokens, double temperature, int topK, double topP, double repetitionPenalty,
                            OptionalLong seed, List<String> stopStrings, boolean stopOnEos) {
        this(maxNewTokens, temperature, topK, topP, repetitionPenalty, seed, stopStrings, stopOnEos, List.of());
    }

    public GenerationConfig {
        stopStrings = stopStrings.stream().filter(s -> !s.isEmpty()).toList();
        stopTokenIds = List.copyOf(stopTokenIds);
        if (maxNewTokens < 0) {
            throw new IllegalArgumentException("max new tokens must be >= 0, got " + maxNewTokens);
        }
        if (temperature < 0) {
            throw new IllegalArgumentException("temperature must be >= 0, got " + temperature);
        }
        if (topK < 0) {
            throw new IllegalArgumentException("top-k must be >= 0, got " + topK);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("top-p must be in (0, 1], got " + topP);
        }
        if (!(repetitionPenalty > 0)) {
            throw new IllegalArgumentException("repetition penalty must be > 0, got " + repetitionPenalty);
        }
    }

    /** Greedy decoding of up to {@code maxNewTokens}, stopping on EOS. */
    public static GenerationConfig greedy(int maxNewTokens) {
        return new GenerationConfig(maxNewTokens, 0, 0, 1, 1, OptionalLong.empty(), List.of(), true);
    }

    /** The same settings with {@code ids} also ending generation. */
    public GenerationConfig withStopTokenIds(List<Integer> ids) {
        return new GenerationConfig(maxNewTokens, temperature, topK, topP, repetitionPenalty, seed, stopStrings,
                stopOnEos, ids);
    }

    /** The same settings with {@code stops} as the stop strings. */
    public GenerationConfig withStopStrings(List<String> stops) {
        return new GenerationConfig(maxNewTokens, temperature, topK, topP, repetitionPenalty, seed, stops, stopOnEos,
                stopTokenIds);
    }

    /** True when {@code id} ends generation: an EOS id (when {@link #stopOnEos}) or one of {@link #stopTokenIds}. */
    public boolean isStopToken(int id, IntPredicate isEos) {
        return (stopOnEos && isEos.test(id)) || stopTokenIds.contains(id);
    }

    /** True when decoding is argmax. */
    public boolean isGreedy() {
        return temperature == 0;
    }
}
