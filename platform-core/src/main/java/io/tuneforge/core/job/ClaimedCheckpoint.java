package io.tuneforge.core.job;

import java.nio.file.Path;

/**
 * A saved checkpoint of a claimed job whose files are present in the artifact store: where its run continues.
 *
 * @param step       the optimizer step the checkpoint was saved after
 * @param directory  a local folder with the checkpoint's files (the store's
 *                   {@link io.tuneforge.core.artifact.ArtifactStore#localCopy})
 * @param storageKey its key in the artifact store
 */
public record ClaimedCheckpoint(int step, Path directory, String storageKey) {
}
