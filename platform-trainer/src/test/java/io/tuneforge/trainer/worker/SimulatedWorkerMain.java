package io.tuneforge.trainer.worker;

import io.tuneforge.trainer.cli.WorkerCommand;
import java.util.Map;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.Ordered;
import org.springframework.core.env.MapPropertySource;

/**
 * A real worker process for crash tests: the {@code worker} command's Spring context with the
 * {@link SimulatedTrainingRunner}. Arguments: JDBC URL, user, password, worker name, artifact folder. Test code only.
 */
public final class SimulatedWorkerMain {

    /**
     * The test classpath carries core's test-database initializer, which would point this process at a database of
     * its own; this runs after it and restores the parent test's database.
     */
    private record OverrideTestDatabase(Map<String, Object> properties)
            implements ApplicationContextInitializer<ConfigurableApplicationContext>, Ordered {

        @Override
        public void initialize(ConfigurableApplicationContext context) {
            context.getEnvironment().getPropertySources().addFirst(new MapPropertySource("workerProcess", properties));
        }

        @Override
        public int getOrder() {
            return Ordered.LOWEST_PRECEDENCE;
        }
    }

    private SimulatedWorkerMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        Map<String, Object> properties = Map.of(
                "spring.datasource.url", args[0],
                "spring.datasource.username", args[1],
                "spring.datasource.password", args[2],
                "tuneforge.worker.standalone", "true",
                "tuneforge.worker.enabled", "true",
                "tuneforge.worker.devices", "cpu",
                "tuneforge.worker.name", args[3],
                "tuneforge.artifacts.path", args[4],
                "tuneforge.home", args[4] + "-home",
                "tuneforge.queue.lease-duration", "2s");
        WorkerCommand.start(properties, new OverrideTestDatabase(properties),
                context -> context.getBeanFactory().registerSingleton("jobRunner", new SimulatedTrainingRunner()));
        Thread.currentThread().join();
    }
}
