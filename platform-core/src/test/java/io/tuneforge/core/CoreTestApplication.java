package io.tuneforge.core;

import io.tuneforge.core.dataset.DatasetInspector;
import io.tuneforge.core.dataset.StructuralDatasetInspector;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;

/**
 * The Spring Boot configuration core's own tests start: everything under io.tuneforge.core, with a structural
 * stand-in for the data pipeline (the trainer provides the real {@link DatasetInspector}).
 */
@SpringBootApplication
public class CoreTestApplication {

    @Bean
    DatasetInspector structuralDatasetInspector() {
        return new StructuralDatasetInspector();
    }
}
