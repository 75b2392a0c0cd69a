package io.tuneforge.trainer.worker;

import io.tuneforge.core.artifact.ArtifactStore;
import io.tuneforge.core.job.ClaimedJobs;
import io.tuneforge.core.job.JobEvents;
import io.tuneforge.core.job.JobQueue;
import io.tuneforge.core.job.MetricsWriter;
import io.tuneforge.core.platform.PlatformHome;
import io.tuneforge.core.worker.WorkerRegistry;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import javax.sql.DataSource;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Condition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * A queue worker inside a Spring context: the standalone {@code worker} command sets
 * {@code tuneforge.worker.enabled=true}; the web app runs one embedded worker unless
 * {@code tuneforge.worker.embedded=false}. Properties: {@code tuneforge.worker.name} (default host name),
 * {@code tuneforge.worker.devices} ({@code auto}, {@code cpu}, {@code 0,1}), {@code tuneforge.worker.heartbeat}
 * (default 1s), {@code tuneforge.worker.poll} (default 2s), {@code tuneforge.worker.metrics-batch} (default 50),
 * {@code tuneforge.worker.shutdown-grace} (default 60s), {@code tuneforge.jobs.work-retention} (how long finished
 * jobs' work folders are kept, default 0: removed when the run ends; see {@link WorkFolders}). The worker runs jobs through the context's
 * {@link JobRunner} bean.
 */
@Configuration(proxyBeanMethods = false)
@Conditional(WorkerConfiguration.WorkerWanted.class)
public class WorkerConfiguration {

    /** The trainer-backed runner, unless the application provides its own. */
    @Bean
    @ConditionalOnMissingBean(JobRunner.class)
    JobRunner trainerJobRunner(PlatformHome home, ClaimedJobs claimedJobs, Environment env) {
        Duration retention = env.getProperty("tuneforge.jobs.work-retention", Duration.class, Duration.ZERO);
        return new TrainerJobRunner(new WorkFolders(TrainerJobRunner.workRoot(home), retention,
                claimedJobs::finishedAt));
    }

    @Bean
    WorkerLifecycle queueWorkerLifecycle(Environment env, ObjectProvider<JobRunner> runner, JobQueue queue,
            WorkerRegistry registry, MetricsWriter metrics, ArtifactStore artifacts, JobEvents events,
            DataSource dataSource, ClaimedJobs claimedJobs) {
        return new WorkerLifecycle(() -> {
            WorkerSettings defaults = WorkerSettings.of(env.getProperty("tuneforge.worker.name", hostName()),
                    hostName(), DeviceDetector.detect(env.getProperty("tuneforge.worker.devices", "auto")));
            WorkerSettings settings = new WorkerSettings(defaults.name(), defaults.host(), defaults.devices(),
                    env.getProperty("tuneforge.worker.heartbeat", Duration.class, defaults.heartbeatInterval()),
                    env.getProperty("tuneforge.worker.poll", Duration.class, defaults.pollInterval()),
                    env.getProperty("tuneforge.worker.metrics-batch", Integer.class, defaults.metricsBatchSize()),
                    env.getProperty("tuneforge.worker.shutdown-grace", Duration.class, defaults.shutdownGrace()));
            return new QueueWorker(settings, runner.getObject(), queue, registry, metrics, artifacts, events,
                    dataSource, claimedJobs);
        }, runner.getIfAvailable() != null);
    }

    static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }

    /** On when {@code tuneforge.worker.enabled=true}, or embedded (default) unless {@code embedded=false}. */
    static class WorkerWanted implements Condition {
        @Override
        public boolean matches(ConditionContext context, AnnotatedTypeMetadata metadata) {
            Environment env = context.getEnvironment();
            String enabled = env.getProperty("tuneforge.worker.enabled");
            if (enabled != null) {
                return Boolean.parseBoolean(enabled);
            }
            return Boolean.parseBoolean(env.getProperty("tuneforge.worker.embedded", "true"));
        }
    }
}
