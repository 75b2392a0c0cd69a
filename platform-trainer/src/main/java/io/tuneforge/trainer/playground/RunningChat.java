package io.tuneforge.trainer.playground;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/** An answer being produced in the background: it can be stopped, and tells when it is over. */
public final class RunningChat {

    private final AtomicBoolean stop = new AtomicBoolean();
    private final CompletableFuture<Void> done = new CompletableFuture<>();

    /** Asks the answer to end after the current token; what was generated so far is kept. */
    public void stop() {
        stop.set(true);
    }

    /** True once {@link #stop()} was called. */
    public boolean isStopRequested() {
        return stop.get();
    }

    /** Completes when the answer finished, failed or was stopped (after the listener was told). */
    public CompletableFuture<Void> done() {
        return done;
    }

    void finished() {
        done.complete(null);
    }
}
