package io.tuneforge.trainer.worker;

import io.tuneforge.trainer.cli.WorkerCommand;
import java.util.Map;

/**
 * A real worker process for crash tests: the {@code worker} command's Spring context with the
 * {@link SimulatedTrainingRunner}. Arguments: JDBC URL, user, password, worker name, artifact folder. Test code only.
 */
public final class SimulatedWorkerMain {

    private SimulatedWorkerMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        WorkerCommand.start(Map.of(
                "spring.datasource.url", args[0],
                "spring.datasource.username", args[1],
                "spring.datasource.password", args[2],
                "tuneforge.worker.standalone", "true",
                "tuneforge.worker.enabled", "true",
                "tuneforge.worker.devices", "cpu",
                "tuneforge.worker.name", args[3],
                "tuneforge.artifacts.path", args[4],
                "tuneforge.home", args[4] + "-home",
                "tuneforge.queue.lease-duration", "2s"),
                context -> context.getBeanFactory().registerSingleton("jobRunner", new SimulatedTrainingRunner()));
        Thread.currentThread().join();
    }
}
