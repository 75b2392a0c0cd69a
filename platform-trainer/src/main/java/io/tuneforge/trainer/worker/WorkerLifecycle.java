package io.tuneforge.trainer.worker;

import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/** Starts the queue worker once the context is up and stops it (cleanly) before the database goes away. */
public final class WorkerLifecycle implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(WorkerLifecycle.class);

    private final Supplier<QueueWorker> factory;
    private final boolean runnerAvailable;
    private QueueWorker worker;

    WorkerLifecycle(Supplier<QueueWorker> factory, boolean runnerAvailable) {
        this.factory = factory;
        this.runnerAvailable = runnerAvailable;
    }

    @Override
    public synchronized void start() {
        if (!runnerAvailable) {
            log.warn("No JobRunner in this application: the queue worker stays off (jobs wait for another worker)");
            return;
        }
        worker = factory.get();
        worker.start();
    }

    @Override
    public synchronized void stop() {
        if (worker != null) {
            worker.close();
            worker = null;
        }
    }

    @Override
    public synchronized boolean isRunning() {
        return worker != null;
    }

    /** The running worker, if started. */
    public synchronized Optional<QueueWorker> worker() {
        return Optional.ofNullable(worker);
    }

    @Override
    public int getPhase() {
        return Integer.MAX_VALUE - 100; // start last, stop first
    }
}
