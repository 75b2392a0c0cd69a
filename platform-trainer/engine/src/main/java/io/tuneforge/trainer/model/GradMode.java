package io.tuneforge.trainer.model;

import ai.djl.pytorch.jni.JniUtils;

/**
 * LibTorch's autograd switch, which is per thread. DJL turns it off only on the thread that starts the engine; any
 * other thread (a queue worker's, a web request's) starts with it on, so in-place updates of parameters fail
 * ("a leaf Variable that requires grad is being used in an in-place operation") and inference records graphs.
 * Every entry point that may run on such a thread (training, evaluation, scoring, generation) holds it off; a
 * {@code GradientCollector} turns it on just for its forward and backward and restores it afterwards.
 */
public final class GradMode implements AutoCloseable {

    private final boolean previous;

    private GradMode(boolean previous) {
        this.previous = previous;
    }

    /** Turns autograd off on this thread until {@link #close()}, which restores the previous setting. */
    public static GradMode disabled() {
        boolean previous = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        return new GradMode(previous);
    }

    /** Whether autograd is on for this thread. */
    public static boolean isEnabled() {
        return JniUtils.isGradMode();
    }

    @Override
    public void close() {
        JniUtils.setGradMode(previous);
    }
}
