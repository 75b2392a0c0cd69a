package io.tuneforge.core.dataset;

import static org.assertj.core.api.Assertions.assertThat;

import io.tuneforge.core.testing.JobFixtures;
import io.tuneforge.core.testing.JobFixtures.TeamSetup;
import io.tuneforge.core.testing.TestDatabase;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The process receiving uploads is killed with SIGKILL ({@code kill -9}) twice over: while an upload streams in, and
 * after a finished upload was moved into place but before its row committed. Real processes, real PostgreSQL. The
 * restarted process's start-up sweep leaves no orphan file, and the version stored before is intact.
 */
@SpringBootTest(properties = {"tuneforge.datasets.max-upload-bytes=4096",
        "tuneforge.datasets.allowed-roots=${java.io.tmpdir}"})
class UploadProcessKillTest {

    /** The processes' output, kept for diagnosis. */
    private static final Path LOG = Path.of("target", "upload-process-kill-test.log");

    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    DataSource dataSource;

    @TempDir
    Path home;

    @Test
    void killedMidUploadAndBeforeCommitLeavesNoOrphanFileAfterRestartAndLosesNoStoredVersion() throws Exception {
        TeamSetup team = new JobFixtures(jdbc).team(1, "/m");
        String dataset = "killed-" + UUID.randomUUID();
        Process uploader = start("upload", Long.toString(team.userId()), Long.toString(team.teamId()), dataset);
        try (Connection blocker = dataSource.getConnection()) {
            await(() -> versions(dataset).equals(List.of(1)) || !uploader.isAlive());
            assertThat(uploader.isAlive()).as("upload process log: %s", LOG.toAbsolutePath()).isTrue();
            // the next insert into dataset_files waits for this lock: the second file is in place, its row uncommitted
            blocker.setAutoCommit(false);
            try (Statement lock = blocker.createStatement()) {
                lock.execute("lock table dataset_files in share mode");
            }
            Files.createFile(home.resolve("go"));
            await(() -> !files("second.jsonl").isEmpty() && bytesIn(home.resolve("datasets/.incoming")) > 256 * 1024);

            uploader.destroyForcibly().waitFor(); // SIGKILL: no shutdown hook, no finally block runs
            blocker.rollback();
        } finally {
            uploader.destroyForcibly();
        }
        assertThat(files("second.jsonl")).as("moved into place, row never committed").hasSize(1);
        assertThat(bytesIn(home.resolve("datasets/.incoming"))).as("the half-received upload").isPositive();

        Process restarted = start("start");
        assertThat(restarted.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(restarted.exitValue()).as("restarted process log: %s", LOG.toAbsolutePath()).isZero();

        assertThat(versions(dataset)).as("no version of the killed uploads, the stored one kept").containsExactly(1);
        assertThat(files("second.jsonl")).as("orphan of the uncommitted upload").isEmpty();
        assertThat(bytesIn(home.resolve("datasets/.incoming"))).as("temporary uploads").isZero();
        String stored = jdbc.queryForObject("select f.storage_path from dataset_files f join dataset_versions v on "
                + "v.id = f.dataset_version_id join datasets d on d.id = v.dataset_id where d.name = ?", String.class,
                dataset);
        assertThat(home.resolve(stored)).hasContent(UploadProcessMain.ROW.repeat(3));
        assertThat(allFiles(home.resolve("datasets"))).containsExactly(home.resolve(stored));
    }

    private Process start(String mode, String... args) throws IOException {
        TestDatabase.Connection db = TestDatabase.get();
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new java.util.ArrayList<>(List.of(java, "-Xmx256m", "-XX:TieredStopAtLevel=1",
                "-cp", System.getProperty("java.class.path"), UploadProcessMain.class.getName(),
                db.jdbcUrl(), db.username(), db.password(), home.toString(), mode));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(LOG.toFile()));
        // core's test-database initializer also runs in the child: give it the parent's server, not a new one
        builder.environment().put("TUNEFORGE_TEST_DB_URL", db.jdbcUrl());
        builder.environment().put("TUNEFORGE_TEST_DB_USER", db.username());
        builder.environment().put("TUNEFORGE_TEST_DB_PASSWORD", db.password());
        return builder.start();
    }

    private List<Integer> versions(String dataset) {
        return jdbc.queryForList("select v.version from dataset_versions v join datasets d on d.id = v.dataset_id "
                + "where d.name = ? order by v.version", Integer.class, dataset);
    }

    private List<Path> files(String name) {
        return allFiles(home.resolve("datasets")).stream().filter(p -> p.getFileName().toString().equals(name))
                .toList();
    }

    private static List<Path> allFiles(Path root) {
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        try (Stream<Path> walk = Files.walk(root)) {
            return walk.filter(Files::isRegularFile).toList();
        } catch (IOException e) {
            return List.of(); // a file vanished while listing: the caller polls again
        }
    }

    private static long bytesIn(Path folder) {
        return allFiles(folder).stream().mapToLong(p -> p.toFile().length()).sum();
    }

    private static void await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within 120 s");
            }
            Thread.sleep(50);
        }
    }
}
