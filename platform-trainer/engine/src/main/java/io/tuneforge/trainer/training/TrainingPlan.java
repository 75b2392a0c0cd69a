package io.tuneforge.trainer.training;

/**
 * What a run is about to do (sent once before the first step).
 *
 * @param totalSteps     optimizer steps of the whole run
 * @param startStep      steps already done (> 0 when resuming)
 * @param stepsPerEpoch  optimizer steps per pass over the training set
 * @param trainSamples   training samples
 * @param evalSamples    validation samples (0: no evaluation)
 * @param warmupSteps    resolved warmup steps
 * @param trainableParameters number of trainable scalars
 */
public record TrainingPlan(long totalSteps, long startStep, long stepsPerEpoch, int trainSamples, int evalSamples,
                           long warmupSteps, long trainableParameters) {
}
