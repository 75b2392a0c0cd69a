package io.tuneforge.trainer.playground;

import java.util.Objects;

/**
 * One finished exchange of a conversation.
 *
 * @param user      what the user wrote
 * @param assistant what the model answered
 */
public record ChatTurn(String user, String assistant) {

    public ChatTurn {
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(assistant, "assistant");
    }
}
