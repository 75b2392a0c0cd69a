package io.tuneforge.core.playground;

/** No saved conversation with that id belongs to the caller. */
public class ConversationNotFoundException extends RuntimeException {

    public ConversationNotFoundException(long id) {
        super("No saved conversation " + id + " of yours: it was deleted, or it is someone else's");
    }
}
