package io.tuneforge.trainer.playground;

import io.tuneforge.trainer.generate.GenerationConfig;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Generation settings of a playground conversation (LLaMA-Factory's chat defaults, with fewer new tokens because
 * the playground often runs on CPUs).
 *
 * @param systemPrompt      a system message put before the conversation; blank for none
 * @param template          a built-in chat template name ({@code default}, {@code llama3}, {@code chatml}, ...);
 *                          empty or {@code model}: the model's own template
 * @param temperature       0 = greedy; otherwise logits are divided by it before sampling
 * @param topP              nucleus sampling mass, in (0, 1]; 1 = off
 * @param topK              keep only the k most likely tokens; 0 = off
 * @param repetitionPenalty CTRL penalty on tokens already seen; 1 = off
 * @param maxNewTokens      answer length limit in tokens, 1 to {@link #MAX_NEW_TOKENS}
 * @param seed              seeds sampling, so the same settings and conversation give the same answer; empty: random
 */
public record ChatSettings(String systemPrompt, Optional<String> template, double temperature, double topP, int topK,
        double repetitionPenalty, int maxNewTokens, OptionalLong seed) {

    /** The largest answer length the playground allows. */
    public static final int MAX_NEW_TOKENS = 4096;

    public ChatSettings {
        systemPrompt = Objects.requireNonNullElse(systemPrompt, "");
        template = template.filter(t -> !t.isBlank()).map(String::strip);
        if (maxNewTokens < 1 || maxNewTokens > MAX_NEW_TOKENS) {
            throw new PlaygroundException("Max new tokens must be between 1 and " + MAX_NEW_TOKENS + ", got "
                    + maxNewTokens);
        }
        try {
            new GenerationConfig(maxNewTokens, temperature, topK, topP, repetitionPenalty, seed, List.of(), true);
        } catch (IllegalArgumentException e) {
            throw new PlaygroundException("Generation settings: " + e.getMessage(), e);
        }
    }

    /** Temperature 0.95, top-p 0.7, top-k off, no repetition penalty, 256 new tokens, random seed. */
    public static ChatSettings defaults() {
        return new ChatSettings("", Optional.empty(), 0.95, 0.7, 0, 1.0, 256, OptionalLong.empty());
    }

    /** Greedy decoding of up to {@code maxNewTokens} (for reproducible comparisons and tests). */
    public static ChatSettings greedy(int maxNewTokens) {
        return new ChatSettings("", Optional.empty(), 0, 1, 0, 1.0, maxNewTokens, OptionalLong.empty());
    }

    public ChatSettings withSystemPrompt(String text) {
        return new ChatSettings(text, template, temperature, topP, topK, repetitionPenalty, maxNewTokens, seed);
    }

    public ChatSettings withTemplate(String name) {
        return new ChatSettings(systemPrompt, Optional.ofNullable(name), temperature, topP, topK, repetitionPenalty,
                maxNewTokens, seed);
    }

    /** The decoding settings, at most {@code newTokens} long, with the template's stop strings and end-of-turn ids. */
    GenerationConfig generationConfig(int newTokens, List<String> stopStrings, List<Integer> stopTokenIds) {
        return new GenerationConfig(newTokens, temperature, topK, topP, repetitionPenalty, seed, stopStrings, true,
                stopTokenIds);
    }
}
