package io.tuneforge.core.platform;

import org.springframework.boot.persistence.autoconfigure.EntityScan;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.jpa.repository.config.EnableJpaRepositories;
import org.springframework.transaction.annotation.EnableTransactionManagement;

/** Entities and repositories live in platform-core's feature packages, whichever application imports them. */
@Configuration(proxyBeanMethods = false)
@EntityScan("io.tuneforge.core")
@EnableJpaRepositories("io.tuneforge.core")
@EnableTransactionManagement
public class CorePersistenceConfiguration {
}
