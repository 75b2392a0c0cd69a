package io.tuneforge.trainer.data.encoding;

/**
 * A stretch of a rendered conversation and whether the loss is computed on it.
 *
 * @param text    the rendered text
 * @param trained true for response tokens (or every token with {@code train_on_prompt})
 */
public record Segment(String text, boolean trained) {
}
