package io.tuneforge.trainer.data;

/**
 * Two tokenized rows that train together as one unit of preference-style training: a {@link PreferencePair} (chosen,
 * rejected) or a {@link KtoExample} (the completion, and the prompt with another example's completion for the KL
 * estimate). A batch of B units is one forward pass of 2B rows, every first row before every second row.
 */
public sealed interface TrainingPair permits PreferencePair, KtoExample {

    /** The row whose loss trains: the chosen answer, or the KTO completion. */
    TokenizedSample first();

    /** The other row: the rejected answer, or the KTO mismatched completion. */
    TokenizedSample second();
}
