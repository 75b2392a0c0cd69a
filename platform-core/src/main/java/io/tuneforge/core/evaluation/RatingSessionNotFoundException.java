package io.tuneforge.core.evaluation;

/** No such rating session or item, or it belongs to another team (another team's session reads as absent). */
public class RatingSessionNotFoundException extends RuntimeException {

    public RatingSessionNotFoundException(String what, long id) {
        super("Rating " + what + " " + id + " does not exist or belongs to another team.");
    }
}
