package io.tuneforge.core.model;

import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * A Hub import running in the background: its outcome and a way to cancel it. Once the files are complete and
 * registration has begun, cancel has no effect (the model is then either registered or removed whole).
 */
public final class HubDownload {

    private final HubImportRequest request;
    private final CompletableFuture<BaseModelSummary> result = new CompletableFuture<>();
    private Thread thread;
    private boolean cancelled;
    private boolean registering;

    HubDownload(HubImportRequest request) {
        this.request = request;
    }

    public HubImportRequest request() {
        return request;
    }

    /**
     * Completes with the registered model, or exceptionally with a {@link ModelException} saying what went wrong,
     * or a {@link CancellationException} after {@link #cancel()}.
     */
    public CompletableFuture<BaseModelSummary> result() {
        return result.copy();
    }

    /** Stops the download and removes what was written; false when it is too late (already registering or done). */
    public synchronized boolean cancel() {
        if (registering || result.isDone()) {
            return false;
        }
        cancelled = true;
        if (thread != null) {
            thread.interrupt();
        }
        return true;
    }

    synchronized boolean isCancelled() {
        return cancelled;
    }

    /** Called before the rename into place: from here on the import is not cancelled any more. */
    synchronized boolean beginRegistration() {
        registering = !cancelled;
        return registering;
    }

    synchronized void runOn(Thread.Builder threads, Supplier<BaseModelSummary> work) {
        thread = threads.start(() -> complete(work));
    }

    private void complete(Supplier<BaseModelSummary> work) {
        try {
            result.complete(work.get());
        } catch (CancellationException e) {
            result.completeExceptionally(cancelled());
        } catch (RuntimeException | Error e) {
            result.completeExceptionally(isCancelled() ? cancelled() : e);
        }
    }

    private CancellationException cancelled() {
        return new CancellationException("Import of " + request.repoId() + " cancelled; nothing was kept");
    }
}
