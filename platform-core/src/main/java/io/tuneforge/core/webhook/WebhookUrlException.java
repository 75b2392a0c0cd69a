package io.tuneforge.core.webhook;

/** A webhook URL that may not be used: malformed, not http(s), or pointing at an internal address. */
public class WebhookUrlException extends IllegalArgumentException {

    public WebhookUrlException(String message) {
        super(message);
    }
}
