package io.tuneforge.core.evaluation;

import io.tuneforge.shared.evaluation.EvaluationException;
import java.util.Optional;

/**
 * What a rater submits for one item.
 *
 * @param answerA    scores of the answer shown as "Answer A"
 * @param answerB    scores of the answer shown as "Answer B"
 * @param preference which answer is better overall, or a tie
 * @param comment    optional free text (at most {@link #MAX_COMMENT_LENGTH} characters)
 */
public record RatingInput(Scores answerA, Scores answerB, Preference preference, Optional<String> comment) {

    /** Longest comment kept. */
    public static final int MAX_COMMENT_LENGTH = 2000;

    public RatingInput {
        comment = comment == null ? Optional.empty() : comment.map(String::strip).filter(c -> !c.isEmpty());
    }

    /** Refuses missing or out-of-range values with the field named. */
    void validate() {
        if (answerA == null) {
            throw new EvaluationException("Answer A: scores are missing");
        }
        if (answerB == null) {
            throw new EvaluationException("Answer B: scores are missing");
        }
        answerA.validate("Answer A");
        answerB.validate("Answer B");
        if (preference == null) {
            throw new EvaluationException("Preference is missing: choose A, B or tie");
        }
        if (comment.map(String::length).orElse(0) > MAX_COMMENT_LENGTH) {
            throw new EvaluationException("Comment is longer than " + MAX_COMMENT_LENGTH + " characters ("
                    + comment.get().length() + ")");
        }
    }
}
