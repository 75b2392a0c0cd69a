package io.tuneforge.core;

import io.tuneforge.core.dataset.DatasetInspector;
import io.tuneforge.core.dataset.StructuralDatasetInspector;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingClass;
import org.springframework.context.annotation.Bean;

/**
 * The Spring Boot configuration core's own tests start: everything under io.tuneforge.core, with a structural
 * stand-in for the data pipeline. Where the trainer is on the class path (the trainer's and the web module's tests,
 * whose component scans can reach this class through core's test classes) its real {@link DatasetInspector} is used.
 */
@SpringBootApplication
public class CoreTestApplication {

    @Bean
    @ConditionalOnMissingClass("io.tuneforge.trainer.data.platform.PipelineDatasetInspector")
    DatasetInspector structuralDatasetInspector() {
        return new StructuralDatasetInspector();
    }
}
