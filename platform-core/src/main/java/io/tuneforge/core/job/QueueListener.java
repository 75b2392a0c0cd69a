package io.tuneforge.core.job;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.function.LongConsumer;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Listens to the queue's {@code NOTIFY} channels on a dedicated connection (held outside any pool transaction) and
 * calls back with job ids: one callback when a job is queued, one when a cancel or pause is requested. Reconnects
 * after errors; callers still poll as a fallback, so a lost notification only costs latency.
 */
public final class QueueListener implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(QueueListener.class);

    private final DataSource dataSource;
    private final LongConsumer onQueued;
    private final LongConsumer onControl;
    private final Thread thread;
    private volatile boolean running = true;

    private QueueListener(DataSource dataSource, LongConsumer onQueued, LongConsumer onControl, String name) {
        this.dataSource = dataSource;
        this.onQueued = onQueued;
        this.onControl = onControl;
        this.thread = Thread.ofPlatform().daemon().name(name).unstarted(this::listenLoop);
    }

    /** Starts listening on a background thread. */
    public static QueueListener start(DataSource dataSource, LongConsumer onQueued, LongConsumer onControl,
            String threadName) {
        QueueListener listener = new QueueListener(dataSource, onQueued, onControl, threadName);
        listener.thread.start();
        return listener;
    }

    private void listenLoop() {
        while (running) {
            try (Connection connection = dataSource.getConnection()) {
                connection.setAutoCommit(true);
                try (Statement s = connection.createStatement()) {
                    s.execute("LISTEN " + QueueChannels.JOB_QUEUED);
                    s.execute("LISTEN " + QueueChannels.JOB_CONTROL);
                }
                PGConnection pg = connection.unwrap(PGConnection.class);
                onQueued.accept(-1); // (re)connected: notifications may have been missed, look once
                while (running) {
                    PGNotification[] received = pg.getNotifications(500);
                    if (received != null) {
                        for (PGNotification n : received) {
                            dispatch(n);
                        }
                    }
                }
            } catch (SQLException e) {
                if (running) {
                    log.warn("Queue LISTEN connection failed ({}); reconnecting in 1 s", e.getMessage());
                    sleepQuietly();
                }
            }
        }
    }

    private void dispatch(PGNotification n) {
        long jobId;
        try {
            jobId = Long.parseLong(n.getParameter());
        } catch (NumberFormatException e) {
            return;
        }
        if (QueueChannels.JOB_QUEUED.equals(n.getName())) {
            onQueued.accept(jobId);
        } else if (QueueChannels.JOB_CONTROL.equals(n.getName())) {
            onControl.accept(jobId);
        }
    }

    private static void sleepQuietly() {
        try {
            Thread.sleep(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
        try {
            thread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
