package io.tuneforge.core.platform;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
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
 * Boot connects to that server instead.
 */
@Configuration(proxyBeanMethods = false)
@Conditional(EmbeddedDatabaseConfiguration.NoDataSourceUrl.class)
public class EmbeddedDatabaseConfiguration {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedDatabaseConfiguration.class);

    @Bean(destroyMethod = "close")
    EmbeddedPostgres embeddedPostgres(PlatformHome home, @Value("${tuneforge.database.port:15432}") int port) {
        try {
            Files.createDirectories(home.database());
            EmbeddedPostgres postgres = EmbeddedPostgres.builder()
                    .setDataDirectory(home.database())
                    .setCleanDataDirectory(false)
                    .setPort(port)
                    .setServerConfig("listen_addresses", "localhost")
                    // stopped by this bean's close, after what uses it (workers sign off first), not by a JVM
                    // shutdown hook racing Spring's
                    .setRegisterShutdownHook(false)
                    .start();
            log.info("Embedded PostgreSQL on {} with data in {} (workers on this host: --db-url {})",
                    postgres.getJdbcUrl("postgres", "postgres"), home.database(),
                    postgres.getJdbcUrl("postgres", "postgres"));
            return postgres;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot start the embedded PostgreSQL in " + home.database()
                    + " on port " + port + " (is another TuneForge running? set tuneforge.database.port, "
                    + "or SPRING_DATASOURCE_URL for an external server)", e);
        }
    }

    @Bean
    DataSource dataSource(EmbeddedPostgres postgres) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(postgres.getJdbcUrl("postgres", "postgres"));
        config.setUsername("postgres");
        config.setPoolName("tuneforge-embedded");
        config.setMaximumPoolSize(20);
        return new HikariDataSource(config);
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
