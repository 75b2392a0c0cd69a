package io.tuneforge.trainer.worker;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.ComponentScan;
import org.springframework.context.annotation.Import;

/** Core and the data pipeline as its dataset inspector: worker tests build their {@link QueueWorker}s by hand, through {@link TestWorkers}. */
@SpringBootConfiguration
@EnableAutoConfiguration
@ComponentScan({"io.tuneforge.core", "io.tuneforge.trainer.data.platform"})
@Import(TestWorkers.class)
class WorkerTestApplication {
}
