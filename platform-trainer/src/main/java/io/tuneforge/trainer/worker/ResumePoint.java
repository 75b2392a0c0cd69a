package io.tuneforge.trainer.worker;

import io.tuneforge.core.job.ClaimedCheckpoint;
import java.nio.file.Path;

/**
 * The checkpoint a job continues from.
 *
 * @param step       the optimizer step the checkpoint was saved after
 * @param directory  a local folder with the checkpoint's files
 * @param storageKey its key in the artifact store
 */
public record ResumePoint(int step, Path directory, String storageKey) {

    /** A checkpoint of a claimed job as core finds it. */
    static ResumePoint of(ClaimedCheckpoint checkpoint) {
        return new ResumePoint(checkpoint.step(), checkpoint.directory(), checkpoint.storageKey());
    }
}
