package io.tuneforge.trainer.playground;

/** Receives one answer as it is produced; called on a playground thread, never the caller's. */
public interface ChatListener {

    /** A new piece of the answer. */
    void onText(String piece);

    /** The answer is complete (or was stopped). */
    void onFinished(ChatReply reply);

    /** The answer could not be produced; {@code message} says why in words a user can act on. */
    void onFailed(String message);
}
