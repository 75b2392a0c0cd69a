package io.tuneforge.trainer.training.checkpoint;

/**
 * Everything besides tensors that a resumed run needs to continue exactly where the interrupted one stopped
 * ({@code trainer_state.json} in a checkpoint).
 *
 * @param globalStep            optimizer steps completed
 * @param totalSteps            optimizer steps the run was planned for
 * @param optimizerSteps        AdamW's update count (bias corrections)
 * @param epoch                 the epoch the next sample comes from (0-based)
 * @param indexInEpoch          position of the next sample in that epoch's shuffled order
 * @param trainSamples          number of training samples (a resume on different data is refused)
 * @param batchSize             per_device_train_batch_size of the run (must not change on resume)
 * @param accumulationSteps     gradient_accumulation_steps of the run (must not change on resume)
 * @param seed                  run seed: shuffling is {@code f(seed, epoch)} and the engine RNG is reseeded with
 *                              {@code f(seed, step)} before every step, so these fix all randomness
 * @param rngScheme             how the RNG state derives from seed and step (for future-proof checks)
 * @param tokensSeen            input tokens consumed so far
 * @param schedulerType         lr_scheduler_type of the run
 * @param baseLearningRate      learning_rate of the run
 * @param warmupSteps           resolved warmup steps of the run
 * @param lastLearningRate      learning rate of the last completed step (the scheduler position is globalStep)
 * @param bestEvalLoss          lowest validation loss so far, or null when not evaluated yet
 * @param bestCheckpoint        directory name of the checkpoint holding the best weights, or null
 * @param evalsWithoutImprovement early-stopping counter
 * @param elapsedSeconds        training time spent before this checkpoint (all sessions together)
 * @param optim                 the optimizer whose state the checkpoint holds (null in checkpoints of older
 *                              versions: adamw_torch)
 * @param plateau               reduce_lr_on_plateau's state, or null for the other schedules
 * @param greedy                greedy's state, or null for the other schedules
 */
public record TrainerState(
        long globalStep,
        long totalSteps,
        long optimizerSteps,
        int epoch,
        int indexInEpoch,
        int trainSamples,
        int batchSize,
        int accumulationSteps,
        long seed,
        String rngScheme,
        long tokensSeen,
        String schedulerType,
        double baseLearningRate,
        long warmupSteps,
        double lastLearningRate,
        Double bestEvalLoss,
        String bestCheckpoint,
        int evalsWithoutImprovement,
        double elapsedSeconds,
        String optim,
        io.tuneforge.trainer.training.optim.ReduceLrOnPlateau.State plateau,
        io.tuneforge.trainer.training.optim.GreedyLr.State greedy) {

    /** The RNG scheme of this version: engine reseeded before each step with a mix of seed and step. */
    public static final String RNG_SCHEME = "reseed-per-step-v1";
}
