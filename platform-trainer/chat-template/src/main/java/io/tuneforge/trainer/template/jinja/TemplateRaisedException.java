package io.tuneforge.trainer.template.jinja;

import io.tuneforge.trainer.template.TemplateException;

/**
 * The chat template itself refused the input with {@code raise_exception(message)} (for example "Conversation
 * roles must alternate user/assistant/user/assistant/..."). {@link #raisedMessage()} is the template's own text.
 */
public final class TemplateRaisedException extends TemplateException {

    private final String raisedMessage;
    private final int line;

    TemplateRaisedException(String raisedMessage, int line) {
        super(raisedMessage + " (raised by the chat template at line " + line + ")");
        this.raisedMessage = raisedMessage;
        this.line = line;
    }

    /** The message the template passed to {@code raise_exception}. */
    public String raisedMessage() {
        return raisedMessage;
    }

    /** The template line of the statement that raised. */
    public int line() {
        return line;
    }
}
