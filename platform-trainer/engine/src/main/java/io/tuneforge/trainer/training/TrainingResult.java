package io.tuneforge.trainer.training;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * The outcome of {@link Trainer#train}.
 *
 * @param status            how the run ended
 * @param steps             optimizer steps completed
 * @param totalSteps        optimizer steps planned
 * @param lastLoss          mean training loss of the last step (NaN when no step ran)
 * @param bestEvalLoss      lowest validation loss, if evaluated
 * @param bestCheckpoint    checkpoint holding the best weights, if one was written
 * @param lastCheckpoint    most recent checkpoint written by this run, if any (where to resume a cancelled run)
 * @param outputDir         where the trained artefact was written (not written when cancelled)
 * @param elapsed           training time (all resumed sessions together)
 * @param tokensSeen        input tokens consumed
 */
public record TrainingResult(TrainingStatus status, long steps, long totalSteps, double lastLoss,
                             OptionalDouble bestEvalLoss, Optional<Path> bestCheckpoint, Optional<Path> lastCheckpoint,
                             Path outputDir, Duration elapsed, long tokensSeen) {
}
