package io.tuneforge.core.platform;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Condition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * Single-machine default: with no {@code spring.datasource.url}, start a real PostgreSQL (bundled binaries) whose data
 * directory persists under the platform home, so a restart keeps everything. With a URL, this stays off and Spring
 * Boot connects to that server instead. The embedded server commits durably, listens on the loopback interface only
 * and requires the password generated into the platform home ({@link PlatformHome#databasePassword()}).
 */
@Configuration(proxyBeanMethods = false)
@Conditional(EmbeddedDatabaseConfiguration.NoDataSourceUrl.class)
public class EmbeddedDatabaseConfiguration {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedDatabaseConfiguration.class);

    /** The embedded server listens on the loopback interface only. */
    static final String LOOPBACK = "localhost";

    /**
     * Starts the server with durable commits ({@code fsync} and {@code synchronous_commit} on: zonky turns both off
     * for throwaway test databases, and a power cut must not lose committed jobs), on the loopback interface only,
     * and with password authentication: a fresh cluster is created with the generated password and
     * {@code scram-sha-256}; one created before passwords were required gets them on this start.
     */
    @Bean(destroyMethod = "close")
    EmbeddedPostgres embeddedPostgres(PlatformHome home, @Value("${tuneforge.database.port:15432}") int port) {
        try {
            Files.createDirectories(home.database());
            String password = EmbeddedDatabasePassword.loadOrCreate(home.databasePassword());
            EmbeddedPostgres postgres = EmbeddedPostgres.builder()
                    .setDataDirectory(home.database())
                    .setCleanDataDirectory(false)
                    .setPort(port)
                    .setServerConfig("listen_addresses", LOOPBACK)
                    // zonky starts the server with -F (fsync off); these -c settings come after it and win
                    .setServerConfig("fsync", "on")
                    .setServerConfig("synchronous_commit", "on")
                    // given to initdb of a fresh cluster as --auth and --pwfile (after zonky's -A trust, so they win)
                    .setLocaleConfig("auth", "scram-sha-256")
                    .setLocaleConfig("pwfile", home.databasePassword().toString())
                    .setConnectConfig("password", password)
                    // stopped by this bean's close, after what uses it (workers sign off first), not by a JVM
                    // shutdown hook racing Spring's
                    .setRegisterShutdownHook(false)
                    .start();
            requirePassword(postgres, home.database(), password);
            log.info("Embedded PostgreSQL on {} with data in {} (workers on this host: --db-url {} --db-user postgres "
                    + "--db-password \"$(cat {})\")", postgres.getJdbcUrl("postgres", "postgres"), home.database(),
                    postgres.getJdbcUrl("postgres", "postgres"), home.databasePassword());
            return postgres;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot start the embedded PostgreSQL in " + home.database()
                    + " on port " + port + " (is another TuneForge running? set tuneforge.database.port, "
                    + "or SPRING_DATASOURCE_URL for an external server)", e);
        }
    }

    @Bean
    DataSource dataSource(EmbeddedPostgres postgres, PlatformHome home) throws IOException {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(postgres.getJdbcUrl("postgres", "postgres"));
        config.setUsername("postgres");
        config.setPassword(EmbeddedDatabasePassword.loadOrCreate(home.databasePassword()));
        config.setPoolName("tuneforge-embedded");
        config.setMaximumPoolSize(20);
        return new HikariDataSource(config);
    }

    /**
     * A cluster initialised before passwords were required trusts every local connection: give the superuser the
     * password, switch {@code pg_hba.conf} from {@code trust} to {@code scram-sha-256} and reload. Does nothing to a
     * cluster that already asks for passwords.
     */
    private static void requirePassword(EmbeddedPostgres postgres, Path dataDirectory, String password)
            throws IOException {
        Path hba = dataDirectory.resolve("pg_hba.conf");
        List<String> lines = Files.readAllLines(hba);
        List<String> required = lines.stream().map(line -> line.strip().startsWith("#") ? line
                : line.replaceAll("\\btrust\\b", "scram-sha-256")).toList();
        if (required.equals(lines)) {
            return;
        }
        try (Connection connection = postgres.getPostgresDatabase().getConnection();
                Statement statement = connection.createStatement()) {
            statement.execute("set password_encryption = 'scram-sha-256'");
            // the password is hex, so it needs no quoting beyond the literal's own
            statement.execute("alter role postgres with password '" + password + "'");
            Files.write(hba, required);
            statement.execute("select pg_reload_conf()");
            log.info("The embedded PostgreSQL in {} now requires the password kept in the platform home",
                    dataDirectory);
        } catch (SQLException e) {
            throw new IOException("Cannot give the embedded PostgreSQL a password: " + e.getMessage(), e);
        }
    }

    /** True when no external database URL is configured. */
    static class NoDataSourceUrl implements Condition {
        @Override
        public boolean matches(ConditionContext context, AnnotatedTypeMetadata metadata) {
            String url = context.getEnvironment().getProperty("spring.datasource.url");
            return url == null || url.isBlank();
        }
    }
}
