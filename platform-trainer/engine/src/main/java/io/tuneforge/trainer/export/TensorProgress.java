package io.tuneforge.trainer.export;

/** Hears a merge or an export write its tensors, one after the other (on the writing thread; keep it quick). */
@FunctionalInterface
public interface TensorProgress {

    /** {@code done} of {@code total} tensors read and written so far. */
    void tensorsDone(int done, int total);

    /** Hears nothing. */
    TensorProgress NONE = (done, total) -> { };
}
