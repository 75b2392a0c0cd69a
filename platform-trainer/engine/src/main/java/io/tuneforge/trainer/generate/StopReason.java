package io.tuneforge.trainer.generate;

/** Why generation ended. */
public enum StopReason {
    /** The model produced an EOS id. */
    EOS,
    /** A stop string appeared. */
    STOP_STRING,
    /** The max-new-tokens limit was reached. */
    MAX_TOKENS,
    /** The model's context (or the caller) ended it. */
    CANCELLED
}
