package io.tuneforge.trainer.playground;

import io.tuneforge.trainer.generate.StopReason;
import java.time.Duration;

/**
 * A finished answer.
 *
 * @param text         the whole answer (the streamed pieces concatenated)
 * @param stopReason   why it ended: EOS / end-of-turn, a stop string, the token limit, or stopped by the user
 * @param tokens       tokens generated
 * @param promptTokens tokens of the rendered conversation fed to the model
 * @param elapsed      time from the request to the last token, model loading included
 */
public record ChatReply(String text, StopReason stopReason, int tokens, int promptTokens, Duration elapsed) {

    /** Generated tokens per second over the whole request. */
    public double tokensPerSecond() {
        double seconds = elapsed.toNanos() / 1e9;
        return seconds <= 0 ? 0 : tokens / seconds;
    }
}
