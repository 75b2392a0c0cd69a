package io.tuneforge.trainer.worker;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.ComponentScan;

/** Core only: worker tests build their {@link QueueWorker}s by hand. */
@SpringBootConfiguration
@EnableAutoConfiguration
@ComponentScan("io.tuneforge.core")
class WorkerTestApplication {
}
