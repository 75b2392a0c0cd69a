package io.tuneforge.trainer.data.platform;

import io.tuneforge.core.dataset.DatasetValidator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Gives the platform the data pipeline's validator: core's {@code DatasetService} uses a {@link DatasetValidator} bean
 * when there is one and falls back to its structural check otherwise. Picked up by the web app's component scan of
 * {@code io.tuneforge}, whether or not it runs an embedded worker.
 */
@Configuration(proxyBeanMethods = false)
public class DatasetValidationConfiguration {

    @Bean
    DatasetValidator pipelineDatasetValidator() {
        return new PipelineDatasetValidator();
    }
}
