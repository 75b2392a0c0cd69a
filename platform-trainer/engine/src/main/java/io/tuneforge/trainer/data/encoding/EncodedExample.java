package io.tuneforge.trainer.data.encoding;

import io.tuneforge.trainer.data.TokenizedSample;

import java.util.List;

/**
 * One example after templating and tokenization, with what a preview shows.
 *
 * @param sample         the token ids and labels (after truncation)
 * @param segments       the rendered text split into trained and untrained stretches (before truncation)
 * @param fullLength     token count before truncation
 * @param truncated      true when {@code fullLength} exceeded the cutoff
 * @param untrainedTurns assistant turns whose span could not be located in the full render (see
 *                       {@link ConversationEncoder}); they stay in the input but carry no loss
 */
public record EncodedExample(TokenizedSample sample, List<Segment> segments, int fullLength, boolean truncated,
        int untrainedTurns) {

    public EncodedExample {
        segments = List.copyOf(segments);
    }
}
