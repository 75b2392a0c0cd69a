package io.tuneforge.core.evaluation;

import io.tuneforge.shared.evaluation.ComparisonRow;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/**
 * One held-out prompt of a session with its two answers as the rater sees them. Which side the tuned model wrote is
 * stored here and never leaves the service except in results and the export.
 */
@Entity
@Table(name = "rating_items")
public class RatingItem {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    private Long id;

    @Column(name = "session_id", nullable = false)
    private Long sessionId;

    /** 0-based row of predictions.jsonl. */
    @Column(nullable = false)
    private int position;

    @Column(nullable = false)
    private String prompt;

    @Column(nullable = false)
    private String label;

    @Column(name = "answer_a", nullable = false)
    private String answerA;

    @Column(name = "answer_b", nullable = false)
    private String answerB;

    @Column(name = "tuned_side", nullable = false, length = 1)
    private Side tunedSide;

    protected RatingItem() {
    }

    /** Places the base and tuned answers on the sides given by {@code tunedSide}. */
    RatingItem(long sessionId, int position, ComparisonRow row, Side tunedSide) {
        this.sessionId = sessionId;
        this.position = position;
        this.prompt = row.prompt();
        this.label = row.label();
        this.tunedSide = tunedSide;
        this.answerA = tunedSide == Side.A ? row.tuned() : row.base();
        this.answerB = tunedSide == Side.A ? row.base() : row.tuned();
    }

    public Long getId() {
        return id;
    }

    public Long getSessionId() {
        return sessionId;
    }

    public int getPosition() {
        return position;
    }

    public String getPrompt() {
        return prompt;
    }

    public String getLabel() {
        return label;
    }

    public String getAnswerA() {
        return answerA;
    }

    public String getAnswerB() {
        return answerB;
    }

    /** Package-private: the blinding must not leak to raters through a public getter. */
    Side getTunedSide() {
        return tunedSide;
    }

    /** The model whose answer is shown on {@code side}. */
    EvaluatedModel modelOn(Side side) {
        return side == tunedSide ? EvaluatedModel.TUNED : EvaluatedModel.BASE;
    }
}
