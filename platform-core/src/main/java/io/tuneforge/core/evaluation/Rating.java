package io.tuneforge.core.evaluation;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.Optional;

/** One rater's scores for both answers of one item, and their preference. At most one per item and rater. */
@Entity
@Table(name = "ratings")
public class Rating {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    private Long id;

    @Column(name = "item_id", nullable = false)
    private Long itemId;

    @Column(name = "rater_id", nullable = false)
    private Long raterId;

    @Column(name = "a_relevance", nullable = false)
    private short aRelevance;

    @Column(name = "a_accuracy", nullable = false)
    private short aAccuracy;

    @Column(name = "a_completeness", nullable = false)
    private short aCompleteness;

    @Column(name = "a_professionalism", nullable = false)
    private short aProfessionalism;

    @Column(name = "a_safety", nullable = false)
    private short aSafety;

    @Column(name = "b_relevance", nullable = false)
    private short bRelevance;

    @Column(name = "b_accuracy", nullable = false)
    private short bAccuracy;

    @Column(name = "b_completeness", nullable = false)
    private short bCompleteness;

    @Column(name = "b_professionalism", nullable = false)
    private short bProfessionalism;

    @Column(name = "b_safety", nullable = false)
    private short bSafety;

    @Column(nullable = false, length = 3)
    private Preference preference;

    @Column(length = RatingInput.MAX_COMMENT_LENGTH)
    private String comment;

    @Column(name = "created_at", nullable = false, updatable = false)
    private Instant createdAt = Instant.now();

    @Column(name = "updated_at", nullable = false)
    private Instant updatedAt = Instant.now();

    protected Rating() {
    }

    Rating(long itemId, long raterId, RatingInput input) {
        this.itemId = itemId;
        this.raterId = raterId;
        replaceWith(input);
    }

    /** Replaces every value with the new input (a rater changing their mind). */
    void replaceWith(RatingInput input) {
        Scores a = input.answerA();
        Scores b = input.answerB();
        aRelevance = (short) a.relevance();
        aAccuracy = (short) a.accuracy();
        aCompleteness = (short) a.completeness();
        aProfessionalism = (short) a.professionalism();
        aSafety = (short) a.safety();
        bRelevance = (short) b.relevance();
        bAccuracy = (short) b.accuracy();
        bCompleteness = (short) b.completeness();
        bProfessionalism = (short) b.professionalism();
        bSafety = (short) b.safety();
        preference = input.preference();
        comment = input.comment().orElse(null);
        updatedAt = Instant.now();
    }

    public Long getId() {
        return id;
    }

    public Long getItemId() {
        return itemId;
    }

    public Long getRaterId() {
        return raterId;
    }

    /** Scores of the answer on the given side. */
    public Scores scores(Side side) {
        return side == Side.A ? new Scores(aRelevance, aAccuracy, aCompleteness, aProfessionalism, aSafety)
                : new Scores(bRelevance, bAccuracy, bCompleteness, bProfessionalism, bSafety);
    }

    public Preference getPreference() {
        return preference;
    }

    public Optional<String> getComment() {
        return Optional.ofNullable(comment);
    }

    public Instant getCreatedAt() {
        return createdAt;
    }

    public Instant getUpdatedAt() {
        return updatedAt;
    }

    /** The input this rating holds, to show it again to its rater. */
    public RatingInput asInput() {
        return new RatingInput(scores(Side.A), scores(Side.B), preference, getComment());
    }
}
