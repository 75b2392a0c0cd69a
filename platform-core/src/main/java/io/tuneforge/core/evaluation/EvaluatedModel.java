package io.tuneforge.core.evaluation;

/** The two models whose answers are compared: the base model and the same model with the job's tuning. */
public enum EvaluatedModel {
    BASE,
    TUNED;

    /** Lower-case name used in results and the export: {@code base} or {@code tuned}. */
    public String key() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
