package io.tuneforge.core.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.tuneforge.core.job.JobStatus;
import io.tuneforge.core.job.JobStatusChanged;
import io.tuneforge.core.testing.JobFixtures;
import io.tuneforge.core.testing.JobFixtures.TeamSetup;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Primary;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The webhook outbox on real PostgreSQL with a real receiver on loopback (allow-listed), and short backoff. */
@SpringBootTest(properties = {
        "tuneforge.queue.reaper.enabled=false",
        "tuneforge.webhooks.allowed-hosts=127.0.0.1",
        "tuneforge.webhooks.initial-backoff=100ms",
        "tuneforge.webhooks.max-backoff=300ms",
        "tuneforge.webhooks.poll-interval=50ms",
        "tuneforge.webhooks.connect-timeout=500ms",
        "tuneforge.webhooks.read-timeout=2s"})
class WebhookOutboxTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    static final Map<String, String> DNS = new ConcurrentHashMap<>();

    @TestConfiguration
    static class Dns {
        @Bean
        @Primary
        HostResolver testResolver() {
            return host -> {
                String address = DNS.get(host);
                return address != null ? new InetAddress[] {InetAddress.getByName(address)}
                        : InetAddress.getAllByName(host);
            };
        }
    }

    @Autowired
    WebhookService webhooks;
    @Autowired
    WebhookSecrets secrets;
    @Autowired
    WebhookSender sender;
    @Autowired
    ApplicationEventPublisher publisher;
    @Autowired
    TransactionTemplate transactions;
    @Autowired
    JdbcTemplate jdbc;

    JobFixtures fixtures;
    TeamSetup team;

    @BeforeEach
    void freshTeam() {
        fixtures = new JobFixtures(jdbc);
        team = fixtures.team(4, "/m");
    }

    @Test
    void receiverDownThenUpGetsEveryEventExactlyOnceInOrderPerJob() throws Exception {
        int port = freePort();
        webhooks.register(team.teamId(), "http://127.0.0.1:" + port + "/hook");
        long a = fixtures.queuedJob(team, "a");
        long b = fixtures.queuedJob(team, "b");
        List<JobStatus> lifecycle = List.of(JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.QUEUED, JobStatus.RUNNING,
                JobStatus.SUCCEEDED);
        for (JobStatus status : lifecycle) {
            change(a, status);
            change(b, status);
        }
        await(() -> jdbc.queryForObject("select count(*) from webhook_deliveries d join webhooks w on w.id = "
                + "d.webhook_id where w.team_id = ? and d.attempts >= 2 and d.last_error is not null", Integer.class,
                team.teamId()) >= 1);

        List<JsonNode> accepted = new CopyOnWriteArrayList<>();
        AtomicInteger requests = new AtomicInteger();
        HttpServer receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
        receiver.createContext("/hook", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            boolean refuseFirst = requests.incrementAndGet() == 1; // still starting up
            if (!refuseFirst) {
                accepted.add(JSON.readTree(body));
            }
            exchange.sendResponseHeaders(refuseFirst ? 503 : 204, -1);
            exchange.close();
        });
        receiver.start();
        try {
            await(() -> accepted.size() >= 10);
            Thread.sleep(500); // nothing more may come
        } finally {
            receiver.stop(0);
        }

        assertThat(accepted).hasSize(10);
        assertThat(new HashSet<>(accepted.stream().map(e -> e.path("id").asString()).toList())).hasSize(10);
        Map<Long, List<JsonNode>> perJob = new LinkedHashMap<>();
        for (JsonNode event : accepted) {
            perJob.computeIfAbsent(event.path("data").path("id").asLong(), k -> new ArrayList<>()).add(event);
        }
        List<String> expected = lifecycle.stream().map(JobStatus::apiName).toList();
        for (long job : List.of(a, b)) {
            assertThat(perJob.get(job).stream().map(e -> e.path("data").path("status").asString()).toList())
                    .isEqualTo(expected);
            assertThat(perJob.get(job).stream().map(e -> e.path("sequence").asLong()).toList())
                    .containsExactly(1L, 2L, 3L, 4L, 5L);
        }
        assertThat(jdbc.queryForObject("select count(*) from webhook_deliveries where job_id in (?, ?) and status = "
                + "'delivered'", Integer.class, a, b)).isEqualTo(10);
    }

    @Test
    void deliveryRefusesANameReboundToLoopbackAndSendsNothing() throws Exception {
        AtomicInteger received = new AtomicInteger();
        HttpServer receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/", exchange -> {
            received.incrementAndGet();
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        receiver.start();
        try {
            DNS.put("rebind.example.com", "93.184.216.34");
            long hook = webhooks.register(team.teamId(), "http://rebind.example.com:" + receiver.getAddress().getPort()
                    + "/hook").webhook().id();
            DNS.put("rebind.example.com", "127.0.0.1");

            change(fixtures.queuedJob(team, "rebound"), JobStatus.QUEUED);

            await(() -> webhooks.deliveries(team.teamId(), hook).stream().anyMatch(d -> d.attempts() >= 1));
            WebhookDelivery delivery = webhooks.deliveries(team.teamId(), hook).getFirst();
            assertThat(delivery.status()).isEqualTo(WebhookDelivery.Status.PENDING);
            assertThat(delivery.lastError()).hasValueSatisfying(e -> assertThat(e).contains("127.0.0.1"));
            assertThat(received).hasValue(0);
        } finally {
            receiver.stop(0);
            DNS.remove("rebind.example.com");
        }
    }

    @Test
    void secretIsShownOnceAndStoredEncryptedUnderAnOwnerOnlyKey() throws Exception {
        CreatedWebhook created = webhooks.register(team.teamId(), "https://hooks.example.com/hook");

        assertThat(created.secret()).startsWith("whsec_").hasSize(70);
        Webhook listed = webhooks.enabledFor(team.teamId()).getFirst();
        assertThat(listed.secretHint()).isEqualTo(WebhookSecrets.hint(created.secret())).doesNotContain(
                created.secret().substring(6, 60));
        String stored = jdbc.queryForObject("select secret from webhooks where id = ?", String.class,
                created.webhook().id());
        assertThat(stored).doesNotContain(created.secret().substring(6));
        assertThat(secrets.decrypt(stored)).isEqualTo(created.secret());
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(secrets.keyFile())))
                .isEqualTo("rw-------");
    }

    @Test
    void redeliverSendsTheSameEventAgain() throws Exception {
        List<String> ids = new CopyOnWriteArrayList<>();
        HttpServer receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/", exchange -> {
            ids.add(JSON.readTree(exchange.getRequestBody().readAllBytes()).path("id").asString());
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        receiver.start();
        try {
            long hook = webhooks.register(team.teamId(), "http://127.0.0.1:" + receiver.getAddress().getPort()
                    + "/").webhook().id();
            change(fixtures.queuedJob(team, "again"), JobStatus.QUEUED);
            await(() -> webhooks.deliveries(team.teamId(), hook).getFirst().status()
                    == WebhookDelivery.Status.DELIVERED);
            WebhookDelivery delivered = webhooks.deliveries(team.teamId(), hook).getFirst();
            assertThat(ids).hasSize(1);

            webhooks.redeliver(team.teamId(), hook, delivered.id());

            await(() -> ids.size() == 2);
            assertThat(ids.get(1)).isEqualTo(ids.get(0)).isEqualTo(delivered.eventId().toString());
        } finally {
            receiver.stop(0);
        }
    }

    @Test
    void eventsWrittenWhileNoSenderRunsAreDeliveredByTheNextOne() throws Exception {
        List<String> statuses = new CopyOnWriteArrayList<>();
        HttpServer receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/", exchange -> {
            statuses.add(JSON.readTree(exchange.getRequestBody().readAllBytes()).path("data").path("status")
                    .asString());
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        receiver.start();
        sender.stop(); // the platform is down
        try {
            webhooks.register(team.teamId(), "http://127.0.0.1:" + receiver.getAddress().getPort() + "/");
            long job = fixtures.queuedJob(team, "while-down");
            change(job, JobStatus.QUEUED);
            change(job, JobStatus.RUNNING);
            Thread.sleep(300);
            assertThat(statuses).isEmpty();

            sender.start(); // a fresh process reads the outbox

            await(() -> statuses.size() == 2);
            assertThat(statuses).containsExactly("queued", "running");
        } finally {
            if (!sender.isRunning()) {
                sender.start();
            }
            receiver.stop(0);
        }
    }

    @Test
    void redirectsAreNotFollowed() throws Exception {
        AtomicInteger redirected = new AtomicInteger();
        HttpServer receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/hook", exchange -> {
            exchange.getResponseHeaders().add("Location", "http://127.0.0.1:" + exchange.getLocalAddress().getPort()
                    + "/elsewhere");
            exchange.sendResponseHeaders(302, -1);
            exchange.close();
        });
        receiver.createContext("/elsewhere", exchange -> {
            redirected.incrementAndGet();
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        receiver.start();
        try {
            long hook = webhooks.register(team.teamId(), "http://127.0.0.1:" + receiver.getAddress().getPort()
                    + "/hook").webhook().id();
            change(fixtures.queuedJob(team, "redirected"), JobStatus.QUEUED);

            await(() -> webhooks.deliveries(team.teamId(), hook).getFirst().attempts() >= 1);
            WebhookDelivery delivery = webhooks.deliveries(team.teamId(), hook).getFirst();
            assertThat(delivery.status()).isEqualTo(WebhookDelivery.Status.PENDING);
            assertThat(delivery.lastHttpStatus()).hasValue(302);
            assertThat(delivery.nextAttemptAt()).isPresent();
            assertThat(redirected).hasValue(0);
        } finally {
            receiver.stop(0);
        }
    }

    private void change(long jobId, JobStatus status) {
        transactions.executeWithoutResult(tx -> publisher.publishEvent(new JobStatusChanged(jobId, team.teamId(),
                status)));
    }

    private static int freePort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static void await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within 20 s");
            }
            Thread.sleep(50);
        }
    }
}
