package io.tuneforge.trainer.worker;

import java.nio.file.Files;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Test runner: "trains" {@code max_steps} steps of {@code step_millis} each with a deterministic loss curve, saves a
 * checkpoint (a file holding the step) every {@code save_steps}, resumes from the checkpoint's step, and honours
 * stop requests as the {@link JobRunner} contract asks. Test code only.
 */
final class SimulatedTrainingRunner implements JobRunner {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Override
    public void run(JobExecution execution) throws Exception {
        JsonNode config = JSON.readTree(execution.spec().configJson());
        int maxSteps = config.path("max_steps").asInt(10);
        int saveSteps = config.path("save_steps").asInt(5);
        long stepMillis = config.path("step_millis").asLong(10);
        if (config.path("fail_at_step").asInt(-1) == 0) {
            throw new IllegalStateException("CUDA out of memory. Tried to allocate 2.00 GiB");
        }
        int step = execution.resumeFrom()
                .map(r -> Integer.parseInt(readQuietly(r.directory().resolve("step.txt"))))
                .orElse(0);
        while (step < maxSteps) {
            var stop = execution.stopRequested();
            if (stop.isPresent()) {
                if (stop.get().saveCheckpointFirst()) {
                    save(execution, step);
                }
                return;
            }
            Thread.sleep(stepMillis);
            step++;
            execution.metric(step, "loss", lossAt(step));
            execution.progress(step, maxSteps, step * 128L);
            if (step % saveSteps == 0 && !save(execution, step)) {
                return;
            }
        }
    }

    /** The loss the runner reports at a step: the same on every attempt, so resumed histories can be compared. */
    static double lossAt(int step) {
        return 3.0 / (1 + 0.1 * step);
    }

    private static boolean save(JobExecution execution, int step) {
        return execution.checkpoint(step, dir -> Files.writeString(dir.resolve("step.txt"), Integer.toString(step)),
                Map.of("loss", lossAt(Math.max(step, 1))));
    }

    private static String readQuietly(java.nio.file.Path file) {
        try {
            return Files.readString(file).strip();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
