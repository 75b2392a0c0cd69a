package io.tuneforge.core.artifact;

import io.tuneforge.core.platform.PlatformHome;
import java.nio.file.Path;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The default artifact store: {@code tuneforge.artifacts.path} when set (a folder shared by all workers), else the
 * platform home's {@code artifacts/}.
 */
@Configuration(proxyBeanMethods = false)
class ArtifactStoreConfiguration {

    @Bean
    @ConditionalOnMissingBean(ArtifactStore.class)
    ArtifactStore artifactStore(PlatformHome home, @Value("${tuneforge.artifacts.path:}") String path) {
        return new FileSystemArtifactStore(path.isBlank() ? home.artifacts() : Path.of(path));
    }
}
