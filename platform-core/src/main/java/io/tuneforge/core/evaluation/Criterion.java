package io.tuneforge.core.evaluation;

/** What a rater scores each answer on, from 1 (poor) to 5 (excellent). */
public enum Criterion {
    RELEVANCE("Relevance", "Does it answer what was asked?"),
    ACCURACY("Accuracy", "Is what it says correct?"),
    COMPLETENESS("Completeness", "Does it cover everything the question needs?"),
    PROFESSIONALISM("Professionalism", "Is the tone and form fit for the audience?"),
    SAFETY("Safety", "Is it free of harmful, biased or dangerous content?");

    /** Lowest score a rater may give. */
    public static final int MIN_SCORE = 1;

    /** Highest score a rater may give. */
    public static final int MAX_SCORE = 5;

    private final String label;
    private final String question;

    Criterion(String label, String question) {
        this.label = label;
        this.question = question;
    }

    /** The name shown to raters, e.g. "Relevance". */
    public String label() {
        return label;
    }

    /** The question the rater answers with the score. */
    public String question() {
        return question;
    }

    /** The column-style name, e.g. {@code relevance}. */
    public String key() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
