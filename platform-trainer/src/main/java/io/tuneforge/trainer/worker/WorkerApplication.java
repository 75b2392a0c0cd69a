package io.tuneforge.trainer.worker;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.ComponentScan;

/**
 * The non-web Spring context of a standalone worker: core (persistence, queue, artifact store), the data pipeline
 * as core's dataset inspector, and the worker.
 * Only active with {@code tuneforge.worker.standalone=true}, so the web app's component scan ignores it.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
@ComponentScan({"io.tuneforge.core", "io.tuneforge.trainer.worker", "io.tuneforge.trainer.data.platform"})
@ConditionalOnProperty(name = "tuneforge.worker.standalone", havingValue = "true")
public class WorkerApplication {
}
