package io.tuneforge.core.model;

/** No Hub import with that id that the caller may see (absent, expired, or another team's). */
public class HubImportNotFoundException extends RuntimeException {

    public HubImportNotFoundException(String id) {
        super("No model import " + id + " (imports are kept for a day after they end, and only for their team)");
    }
}
