package io.tuneforge.core.testing;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.postgresql.PostgreSQLContainer;

/**
 * The one test-database strategy of every module: a fresh PostgreSQL database per test run (per JVM), chosen as
 * <ol>
 *   <li>an external server when {@code TUNEFORGE_TEST_DB_URL} is set (with {@code TUNEFORGE_TEST_DB_USER} /
 *       {@code TUNEFORGE_TEST_DB_PASSWORD}): a new database is created on it for this run and dropped at exit;</li>
 *   <li>else Testcontainers PostgreSQL 16 when a Docker daemon answers;</li>
 *   <li>else an embedded PostgreSQL (zonky) in a temporary folder.</li>
 * </ol>
 */
public final class TestDatabase {

    /** How to connect to the run's database. */
    public record Connection(String jdbcUrl, String username, String password, String strategy) {
    }

    private static volatile Connection instance;

    private TestDatabase() {
    }

    /** The database of this test run, started on first use. */
    public static Connection get() {
        if (instance == null) {
            synchronized (TestDatabase.class) {
                if (instance == null) {
                    instance = start();
                }
            }
        }
        return instance;
    }

    private static Connection start() {
        String external = System.getenv("TUNEFORGE_TEST_DB_URL");
        if (external != null && !external.isBlank()) {
            return freshDatabaseOn(external, env("TUNEFORGE_TEST_DB_USER", "postgres"),
                    env("TUNEFORGE_TEST_DB_PASSWORD", ""));
        }
        if (dockerAvailable()) {
            PostgreSQLContainer container = new PostgreSQLContainer("postgres:16-alpine");
            container.start();
            Runtime.getRuntime().addShutdownHook(new Thread(container::stop));
            return new Connection(container.getJdbcUrl(), container.getUsername(), container.getPassword(),
                    "testcontainers");
        }
        try {
            EmbeddedPostgres postgres = EmbeddedPostgres.builder()
                    .setServerConfig("listen_addresses", "localhost")
                    .setServerConfig("max_connections", "300")
                    .start();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> closeQuietly(postgres)));
            return new Connection(postgres.getJdbcUrl("postgres", "postgres"), "postgres", "", "embedded");
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot start the embedded test PostgreSQL", e);
        }
    }

    private static boolean dockerAvailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException | LinkageError e) {
            return false;
        }
    }

    private static Connection freshDatabaseOn(String adminUrl, String user, String password) {
        String name = "tuneforge_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        execute(adminUrl, user, password, "CREATE DATABASE " + name);
        Runtime.getRuntime().addShutdownHook(new Thread(
                () -> execute(adminUrl, user, password, "DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")));
        String base = adminUrl.contains("?") ? adminUrl.substring(0, adminUrl.indexOf('?')) : adminUrl;
        String url = base.substring(0, base.lastIndexOf('/') + 1) + name;
        return new Connection(url, user, password, "external");
    }

    private static void execute(String url, String user, String password, String sql) {
        try (java.sql.Connection c = DriverManager.getConnection(url, user, password);
                Statement s = c.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException("Test database setup failed on " + url + ": " + e.getMessage(), e);
        }
    }

    private static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null ? fallback : value;
    }

    private static void closeQuietly(EmbeddedPostgres postgres) {
        try {
            postgres.close();
        } catch (IOException ignored) {
            // the JVM is exiting; the temporary cluster is removed by zonky
        }
    }
}
