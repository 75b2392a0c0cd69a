package io.tuneforge.core.platform;

import static org.assertj.core.api.Assertions.assertThat;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The single-machine default keeps its data: a restart of the embedded server finds what was written before. */
class EmbeddedDatabasePersistenceTest {

    @TempDir
    Path home;

    @Test
    void dataSurvivesARestartOfTheEmbeddedServer() throws Exception {
        PlatformHome platformHome = PlatformHome.of(home.toString());
        EmbeddedDatabaseConfiguration configuration = new EmbeddedDatabaseConfiguration();

        try (EmbeddedPostgres first = configuration.embeddedPostgres(platformHome, freePort());
                Connection c = first.getPostgresDatabase().getConnection();
                Statement s = c.createStatement()) {
            s.execute("create table survivors (name text)");
            s.execute("insert into survivors values ('still here')");
        }

        try (EmbeddedPostgres second = configuration.embeddedPostgres(platformHome, freePort());
                Connection c = second.getPostgresDatabase().getConnection();
                Statement s = c.createStatement();
                ResultSet rows = s.executeQuery("select name from survivors")) {
            assertThat(rows.next()).isTrue();
            assertThat(rows.getString(1)).isEqualTo("still here");
        }
        assertThat(platformHome.database().resolve("PG_VERSION")).exists();
    }

    private static int freePort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
