package io.tuneforge.trainer.cli;

import io.tuneforge.trainer.worker.WorkerApplication;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code worker}: joins a TuneForge queue as a worker and trains claimed jobs until stopped (Ctrl-C or SIGTERM
 * checkpoints running jobs and returns them to the queue).
 */
@Command(name = "worker", mixinStandardHelpOptions = true,
        description = "Run a queue worker: register this host's devices, claim and train jobs.")
public final class WorkerCommand implements Callable<Integer> {

    @Option(names = "--db-url", required = true,
            description = "JDBC URL of the platform's PostgreSQL, e.g. jdbc:postgresql://db-host:5432/tuneforge")
    String dbUrl;

    @Option(names = "--db-user", defaultValue = "postgres", description = "Database user (default: ${DEFAULT-VALUE})")
    String dbUser;

    @Option(names = "--db-password", defaultValue = "", description = "Database password")
    String dbPassword;

    @Option(names = "--devices", defaultValue = "auto",
            description = "cpu, auto (all GPUs the engine sees, else the CPU) or GPU ordinals like 0,1")
    String devices;

    @Option(names = "--name", description = "Unique worker name (default: host name)")
    String name;

    @Option(names = "--artifacts",
            description = "Artifact folder shared with the web app (default: <home>/artifacts)")
    Path artifacts;

    @Option(names = "--home", description = "TuneForge home folder (default: ~/.tuneforge)")
    Path home;

    @Override
    public Integer call() throws InterruptedException {
        ConfigurableApplicationContext context = start(properties());
        CountDownLatch closed = new CountDownLatch(1);
        context.addApplicationListener(event -> {
            if (event instanceof org.springframework.context.event.ContextClosedEvent) {
                closed.countDown();
            }
        });
        closed.await();
        return 0;
    }

    Map<String, Object> properties() {
        Map<String, Object> p = new HashMap<>();
        p.put("spring.datasource.url", dbUrl);
        p.put("spring.datasource.username", dbUser);
        p.put("spring.datasource.password", dbPassword);
        p.put("spring.jpa.open-in-view", "false");
        p.put("spring.jpa.hibernate.ddl-auto", "validate");
        p.put("spring.flyway.locations", "classpath:db/migration");
        p.put("spring.main.banner-mode", "off");
        p.put("tuneforge.worker.standalone", "true");
        p.put("tuneforge.worker.enabled", "true");
        p.put("tuneforge.worker.devices", devices);
        // workers write webhook events into the outbox; the platform (which holds the secrets' key) sends them
        p.put("tuneforge.webhooks.sender.enabled", "false");
        // the platform receives uploads and sweeps their leftovers at its start; a worker must not race it
        p.put("tuneforge.datasets.startup-sweep", "false");
        if (name != null) {
            p.put("tuneforge.worker.name", name);
        }
        if (artifacts != null) {
            p.put("tuneforge.artifacts.path", artifacts.toAbsolutePath().toString());
        }
        if (home != null) {
            p.put("tuneforge.home", home.toAbsolutePath().toString());
        }
        return p;
    }

    /** Starts the worker's non-web Spring context (also used by tests that run a worker in a child JVM). */
    @SafeVarargs
    public static ConfigurableApplicationContext start(Map<String, Object> properties,
            ApplicationContextInitializer<ConfigurableApplicationContext>... initializers) {
        return new SpringApplicationBuilder(WorkerApplication.class)
                .web(WebApplicationType.NONE)
                .properties(properties)
                .initializers(initializers)
                .registerShutdownHook(true)
                .run();
    }
}
