package io.tuneforge.trainer.generate;

/**
 * What a generation produced.
 *
 * @param tokenIds   the generated ids (EOS excluded), prompt not included
 * @param text       the generated text, cut before a stop string
 * @param stopReason why it ended
 */
public record GenerationResult(int[] tokenIds, String text, StopReason stopReason) {
}
