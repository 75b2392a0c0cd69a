package io.tuneforge.trainer.data.platform;

import io.tuneforge.core.dataset.DatasetInspector;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Gives the platform the data pipeline as its {@link DatasetInspector}, which core's {@code DatasetService} needs for
 * uploads, imports and previews. Picked up by the web app's component scan of {@code io.tuneforge}, whether or not it
 * runs an embedded worker, and by the standalone worker's.
 */
@Configuration(proxyBeanMethods = false)
public class DatasetInspectorConfiguration {

    @Bean
    DatasetInspector pipelineDatasetInspector() {
        return new PipelineDatasetInspector();
    }
}
