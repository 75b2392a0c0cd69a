package io.tuneforge.trainer.data;

/**
 * One KTO example after templating and tokenization (LLaMA-Factory's {@code FeedbackDatasetProcessor}): the prompt
 * with its own completion, which trains, and the same prompt with the completion of the example before it (TRL's and
 * LLaMA-Factory's mismatched pair, +1 offset), whose log-probability only enters the KL estimate.
 *
 * @param completion prompt + this example's answer; labels {@link TokenizedSample#IGNORE_INDEX} on the prompt
 * @param mismatched prompt + the previous example's answer; labels likewise
 * @param desirable  the {@code kto_tag}: true for a desirable answer, false for an undesirable one
 */
public record KtoExample(TokenizedSample completion, TokenizedSample mismatched, boolean desirable)
        implements TrainingPair {

    @Override
    public TokenizedSample first() {
        return completion;
    }

    @Override
    public TokenizedSample second() {
        return mismatched;
    }
}
