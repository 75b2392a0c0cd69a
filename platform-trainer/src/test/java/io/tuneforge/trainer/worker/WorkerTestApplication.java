package io.tuneforge.trainer.worker;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.ComponentScan;
import org.springframework.context.annotation.Import;

/** Core only: worker tests build their {@link QueueWorker}s by hand, through {@link TestWorkers}. */
@SpringBootConfiguration
@EnableAutoConfiguration
@ComponentScan("io.tuneforge.core")
@Import(TestWorkers.class)
class WorkerTestApplication {
}
