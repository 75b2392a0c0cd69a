package io.tuneforge.trainer.worker;

/**
 * Runs one claimed job on this worker: trains, reports progress, metrics and checkpoints through the
 * {@link JobExecution}, and stores artifacts. Returning normally means the training completed, unless a stop was
 * requested ({@link JobExecution#stopRequested()}), in which case the worker reports the job cancelled, paused or
 * returned to the queue. Throwing fails the job with a code and advice ({@link FailureClassifier}); throw
 * {@link JobFailureException} to choose them.
 *
 * <p>Contract: poll {@link JobExecution#stopRequested()} at every optimizer step; when the reason asks for it
 * ({@link JobStopReason#saveCheckpointFirst()}), save a checkpoint before returning. When resuming
 * ({@link JobExecution#resumeFrom()}), continue from the checkpoint's step so metric history has no gaps.
 */
@FunctionalInterface
public interface JobRunner {

    void run(JobExecution execution) throws Exception;
}
