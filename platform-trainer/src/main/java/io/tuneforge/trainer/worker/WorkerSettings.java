package io.tuneforge.trainer.worker;

import io.tuneforge.core.worker.OfferedDevice;
import java.time.Duration;
import java.util.List;

/**
 * How a queue worker runs.
 *
 * @param name              unique worker name (re-registering under the same name replaces the old registration)
 * @param host              host name shown in the UI
 * @param devices           devices offered; each runs one job at a time
 * @param heartbeatInterval how often leases are extended and cancel/pause requests read (well under the lease)
 * @param pollInterval      fallback claim poll when no NOTIFY arrives
 * @param metricsBatchSize  metric points buffered before a write
 * @param shutdownGrace     how long a stopping worker waits for runners to checkpoint before releasing their jobs
 */
public record WorkerSettings(String name, String host, List<OfferedDevice> devices, Duration heartbeatInterval,
        Duration pollInterval, int metricsBatchSize, Duration shutdownGrace) {

    /** Defaults: heartbeat every second (cancel/pause reach the runner in under 2 s), poll every 2 s. */
    public static WorkerSettings of(String name, String host, List<OfferedDevice> devices) {
        return new WorkerSettings(name, host, devices, Duration.ofSeconds(1), Duration.ofSeconds(2), 50,
                Duration.ofSeconds(60));
    }
}
