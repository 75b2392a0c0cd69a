package io.tuneforge.trainer.worker;

import static io.tuneforge.trainer.worker.QueueWorkerTest.await;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.tuneforge.core.testing.JobFixtures;
import io.tuneforge.core.testing.JobFixtures.TeamSetup;
import io.tuneforge.core.webhook.WebhookService;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Real jobs on real workers, one of which dies mid-job (its job is re-queued and resumed elsewhere), while the team's
 * webhook receiver is down (connection refused), then starting (503), then up: it gets every status change exactly
 * once (by event id), each job's in the order they happened (by sequence), "queued" of the re-queue after the
 * "running" it follows.
 */
@SpringBootTest(classes = WorkerTestApplication.class, properties = {
        "tuneforge.queue.lease-duration=2s", "tuneforge.queue.reaper.interval=300ms",
        // one context for the worker tests; the webhook fault test needs loopback receivers and short backoff
        "tuneforge.webhooks.allowed-hosts=127.0.0.1", "tuneforge.webhooks.initial-backoff=100ms",
        "tuneforge.webhooks.max-backoff=400ms", "tuneforge.webhooks.poll-interval=50ms",
        "tuneforge.webhooks.connect-timeout=500ms"})
class WebhookFaultTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Autowired
    TestWorkers testWorkers;
    @Autowired
    WebhookService webhooks;
    @Autowired
    JdbcTemplate jdbc;

    @TempDir
    Path artifacts;

    @Test
    void receiverDownWhileAWorkerDiesGetsEveryEventOnceInOrderPerJobWhenItComesUp() throws Exception {
        JobFixtures fixtures = new JobFixtures(jdbc);
        fixtures.clearQueue();
        TeamSetup team = fixtures.team(2, "/models/none");
        int port = freePort();
        long hook = webhooks.register(team.teamId(), "http://127.0.0.1:" + port + "/hook").webhook().id();
        long crashed = fixtures.queuedJob(team, "crashed", 0, 1,
                "{\"max_steps\": 150, \"save_steps\": 10, \"step_millis\": 30}");
        long calm = fixtures.queuedJob(team, "calm", 0, 1, "{\"max_steps\": 5, \"step_millis\": 10}");
        List<QueueWorker> workers = new ArrayList<>();
        try {
            QueueWorker first = worker("w-hook-a");
            workers.add(first);
            await(() -> current(crashed) >= 12);
            first.simulateCrash(); // heartbeats stop: the reaper re-queues what it held
            workers.add(worker("w-hook-b"));
            await(() -> fixtures.status(crashed).equals("succeeded") && fixtures.status(calm).equals("succeeded"));
        } finally {
            workers.forEach(QueueWorker::close);
        }
        await(() -> failedTries(hook) >= 1); // the receiver is down: tries fail and are retried later
        int events = jdbc.queryForObject("select count(*) from webhook_deliveries where webhook_id = ?",
                Integer.class, hook);

        List<JsonNode> received = new CopyOnWriteArrayList<>();
        AtomicInteger requests = new AtomicInteger();
        HttpServer receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
        receiver.createContext("/hook", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            boolean starting = requests.incrementAndGet() <= 2; // not ready yet
            if (!starting) {
                received.add(JSON.readTree(body));
            }
            exchange.sendResponseHeaders(starting ? 503 : 204, -1);
            exchange.close();
        });
        receiver.start();
        try {
            await(() -> received.size() >= events);
            Thread.sleep(600); // longer than the longest backoff: nothing more may come
        } finally {
            receiver.stop(0);
        }

        assertThat(received).hasSize(events);
        assertThat(new HashSet<>(received.stream().map(e -> e.path("id").asString()).toList()))
                .as("every event once, by id").hasSize(events);
        Map<Long, List<JsonNode>> perJob = new LinkedHashMap<>();
        received.forEach(e -> perJob.computeIfAbsent(e.path("data").path("id").asLong(), k -> new ArrayList<>()).add(e));
        assertThat(perJob.keySet()).containsExactlyInAnyOrder(crashed, calm);
        for (List<JsonNode> jobEvents : perJob.values()) {
            assertThat(jobEvents.stream().map(e -> e.path("sequence").asLong()).toList()).as("in order, no gap")
                    .containsExactlyElementsOf(LongStream.rangeClosed(1, jobEvents.size()).boxed().toList());
            assertThat(jobEvents.getLast().path("data").path("status").asString()).isEqualTo("succeeded");
        }
        assertThat(statuses(perJob.get(crashed))).containsSubsequence("running", "queued", "running", "succeeded");
        assertThat(statuses(perJob.get(calm))).containsSubsequence("running", "succeeded");
        assertThat(jdbc.queryForObject("select count(*) from webhook_deliveries where webhook_id = ? and status = "
                + "'delivered'", Integer.class, hook)).isEqualTo(events);
    }

    private QueueWorker worker(String name) {
        return testWorkers.start(TestWorkers.cpu(name + "-" + UUID.randomUUID().toString().substring(0, 6),
                Duration.ofMillis(300), Duration.ofMillis(300), 1, Duration.ofSeconds(5)),
                new SimulatedTrainingRunner(), artifacts);
    }

    private int current(long job) {
        return jdbc.queryForObject("select current_step from fine_tuning_jobs where id = ?", Integer.class, job);
    }

    private int failedTries(long hook) {
        return jdbc.queryForObject("select count(*) from webhook_deliveries where webhook_id = ? and attempts >= 1 "
                + "and last_error is not null", Integer.class, hook);
    }

    private static List<String> statuses(List<JsonNode> events) {
        return events.stream().map(e -> e.path("data").path("status").asString()).toList();
    }

    private static int freePort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
