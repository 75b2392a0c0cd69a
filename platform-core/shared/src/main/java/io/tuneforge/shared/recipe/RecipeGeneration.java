package io.tuneforge.shared.recipe;

import java.util.List;

/**
 * How answers are sampled where a job generates them as part of its work: stage ppo's rollouts and a prediction run's
 * answers ({@code do_predict} with {@code predict_with_generate}). LLaMA-Factory's {@code GeneratingArguments}: its
 * names and defaults (sampling on, temperature 0.95, top-p 0.7, top-k 50, 1,024 new tokens). The comparison of base
 * and tuned answers after training stays greedy ({@code predict_max_new_tokens}), so runs compare alike.
 *
 * @param doSample          {@code do_sample}: sample (true) or take the most likely token (false, greedy)
 * @param temperature       {@code temperature}: the softmax temperature when sampling
 * @param topP              {@code top_p}: nucleus sampling's probability mass (1: off)
 * @param topK              {@code top_k}: sample among the k most likely tokens (0: off)
 * @param maxNewTokens      {@code max_new_tokens}: the longest answer in tokens
 * @param repetitionPenalty {@code repetition_penalty}: CTRL's penalty on tokens already in the text (1: off)
 */
public record RecipeGeneration(boolean doSample, double temperature, double topP, int topK, int maxNewTokens,
        double repetitionPenalty) {

    static final RecipeField DO_SAMPLE = RecipeField.bool("do_sample", Section.PREFERENCE, true, "Sample answers",
            "Stage ppo's rollouts and prediction runs sample their answers (off: greedy, the most likely token).");
    static final RecipeField TEMPERATURE = RecipeField.decimal("temperature", Section.PREFERENCE, 0.95,
            Range.aboveUpTo(0, 100), "Temperature", "Softmax temperature of sampled answers.");
    static final RecipeField TOP_P = RecipeField.decimal("top_p", Section.PREFERENCE, 0.7, Range.aboveUpTo(0, 1),
            "Top-p", "Nucleus sampling: sample within this probability mass (1: off).");
    static final RecipeField TOP_K = RecipeField.integer("top_k", Section.PREFERENCE, 50L, Range.between(0, 1_000_000),
            "Top-k", "Sample among the k most likely tokens (0: off).");
    static final RecipeField MAX_NEW_TOKENS = RecipeField.integer("max_new_tokens", Section.PREFERENCE, 1024L,
            Range.between(1, 1_048_576), "Max new tokens", "Longest sampled answer in tokens (stage ppo also stops "
                    + "at cutoff_len).");
    static final RecipeField REPETITION_PENALTY = RecipeField.decimal("repetition_penalty", Section.PREFERENCE, 1.0,
            Range.aboveUpTo(0, 100), "Repetition penalty", "Penalty on tokens already in the text (1: off).");

    static final List<RecipeField> FIELDS = List.of(DO_SAMPLE, TEMPERATURE, TOP_P, TOP_K, MAX_NEW_TOKENS,
            REPETITION_PENALTY);

    static RecipeGeneration from(RecipeValues v) {
        return new RecipeGeneration(v.bool(DO_SAMPLE), v.decimal(TEMPERATURE), v.decimal(TOP_P),
                (int) v.integer(TOP_K), (int) v.integer(MAX_NEW_TOKENS), v.decimal(REPETITION_PENALTY));
    }
}
