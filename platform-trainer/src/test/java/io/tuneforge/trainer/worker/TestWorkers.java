package io.tuneforge.trainer.worker;

import io.tuneforge.core.artifact.FileSystemArtifactStore;
import io.tuneforge.core.job.ClaimedJobs;
import io.tuneforge.core.job.JobEvents;
import io.tuneforge.core.job.JobQueue;
import io.tuneforge.core.job.MetricsWriter;
import io.tuneforge.core.worker.OfferedDevice;
import io.tuneforge.core.worker.WorkerDevice;
import io.tuneforge.core.worker.WorkerRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import javax.sql.DataSource;
import org.springframework.stereotype.Component;

/** Builds and starts {@link QueueWorker}s on the test context's queue, database and home, as worker tests need. */
@Component
class TestWorkers {

    /** The one device a test worker offers: the CPU, with room for any job. */
    static final List<OfferedDevice> CPU = List.of(new OfferedDevice(-1, WorkerDevice.Kind.CPU, "CPU", 1L << 40, true));

    private final JobQueue queue;
    private final WorkerRegistry registry;
    private final MetricsWriter metrics;
    private final JobEvents events;
    private final DataSource dataSource;
    private final ClaimedJobs claimedJobs;

    TestWorkers(JobQueue queue, WorkerRegistry registry, MetricsWriter metrics, JobEvents events, DataSource dataSource,
            ClaimedJobs claimedJobs) {
        this.queue = queue;
        this.registry = registry;
        this.metrics = metrics;
        this.events = events;
        this.dataSource = dataSource;
        this.claimedJobs = claimedJobs;
    }

    /** CPU-only settings with the given timings. */
    static WorkerSettings cpu(String name, Duration heartbeat, Duration poll, int metricsBatch, Duration grace) {
        return new WorkerSettings(name, "test", CPU, heartbeat, poll, metricsBatch, grace);
    }

    /** A started worker running jobs with {@code runner}, storing artifacts under {@code artifacts}. */
    QueueWorker start(WorkerSettings settings, JobRunner runner, Path artifacts) {
        QueueWorker worker = new QueueWorker(settings, runner, queue, registry, metrics,
                new FileSystemArtifactStore(artifacts), events, dataSource, claimedJobs);
        worker.start();
        return worker;
    }
}
