package io.tuneforge.core.platform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded server is durable and closed: fsync and synchronous commits on, the loopback interface only, and no
 * connection without the password generated into the platform home.
 */
class EmbeddedDatabaseSecurityTest {

    @TempDir
    Path home;

    final EmbeddedDatabaseConfiguration configuration = new EmbeddedDatabaseConfiguration();

    @Test
    void commitsAreDurableAndOnlyTheLoopbackInterfaceListens() throws Exception {
        PlatformHome platformHome = PlatformHome.of(home.toString());
        try (EmbeddedPostgres postgres = configuration.embeddedPostgres(platformHome, freePort());
                HikariDataSource pool = (HikariDataSource) configuration.dataSource(postgres, platformHome);
                Connection c = pool.getConnection()) {
            assertThat(show(c, "fsync")).isEqualTo("on");
            assertThat(show(c, "synchronous_commit")).isEqualTo("on");
            assertThat(show(c, "listen_addresses")).isEqualTo("localhost");
        }
    }

    @Test
    void aConnectionWithoutThePasswordIsRefused() throws Exception {
        PlatformHome platformHome = PlatformHome.of(home.toString());
        try (EmbeddedPostgres postgres = configuration.embeddedPostgres(platformHome, freePort())) {
            String url = postgres.getJdbcUrl("postgres", "postgres");

            assertThatThrownBy(() -> DriverManager.getConnection(url, user("postgres", null)).close())
                    .isInstanceOf(SQLException.class);
            assertThatThrownBy(() -> DriverManager.getConnection(url, user("postgres", "wrong")).close())
                    .isInstanceOf(SQLException.class).hasMessageContaining("password authentication failed");
            String kept = Files.readString(platformHome.databasePassword()).strip();
            try (Connection c = DriverManager.getConnection(url, user("postgres", kept))) {
                assertThat(show(c, "password_encryption")).isEqualTo("scram-sha-256");
            }
        }
    }

    @Test
    void thePasswordIsCreatedOwnerOnlyOnFirstStartAndReusedAfterARestart() throws Exception {
        PlatformHome platformHome = PlatformHome.of(home.toString());
        try (EmbeddedPostgres first = configuration.embeddedPostgres(platformHome, freePort())) {
            assertThat(first.getPort()).isPositive();
        }
        String created = Files.readString(platformHome.databasePassword()).strip();

        try (EmbeddedPostgres second = configuration.embeddedPostgres(platformHome, freePort());
                Connection c = DriverManager.getConnection(second.getJdbcUrl("postgres", "postgres"),
                        user("postgres", created))) {
            assertThat(show(c, "fsync")).isEqualTo("on");
        }
        assertThat(created).hasSize(64);
        assertThat(Files.readString(platformHome.databasePassword()).strip()).isEqualTo(created);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(platformHome.databasePassword())))
                .isEqualTo("rw-------");
    }

    @Test
    void aClusterCreatedBeforePasswordsWereRequiredGetsOneAndKeepsItsData() throws Exception {
        PlatformHome platformHome = PlatformHome.of(home.toString());
        Files.createDirectories(platformHome.database());
        try (EmbeddedPostgres trusting = EmbeddedPostgres.builder().setDataDirectory(platformHome.database())
                .setCleanDataDirectory(false).setPort(freePort()).setRegisterShutdownHook(false).start();
                Connection c = trusting.getPostgresDatabase().getConnection();
                Statement s = c.createStatement()) {
            s.execute("create table survivors (name text)");
            s.execute("insert into survivors values ('still here')");
        }

        try (EmbeddedPostgres postgres = configuration.embeddedPostgres(platformHome, freePort())) {
            String url = postgres.getJdbcUrl("postgres", "postgres");
            assertThatThrownBy(() -> DriverManager.getConnection(url, user("postgres", null)).close())
                    .isInstanceOf(SQLException.class);
            try (HikariDataSource pool = (HikariDataSource) configuration.dataSource(postgres, platformHome);
                    Connection c = pool.getConnection();
                    Statement s = c.createStatement();
                    ResultSet rows = s.executeQuery("select name from survivors")) {
                assertThat(rows.next()).isTrue();
                assertThat(rows.getString(1)).isEqualTo("still here");
            }
        }
    }

    private static Properties user(String name, String password) {
        Properties properties = new Properties();
        properties.setProperty("user", name);
        if (password != null) {
            properties.setProperty("password", password);
        }
        return properties;
    }

    private static String show(Connection c, String setting) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rows = s.executeQuery("show " + setting)) {
            rows.next();
            return rows.getString(1);
        }
    }

    private static int freePort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
