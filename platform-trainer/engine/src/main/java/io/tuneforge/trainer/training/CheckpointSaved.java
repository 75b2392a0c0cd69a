package io.tuneforge.trainer.training;

import java.nio.file.Path;

/**
 * A checkpoint was written completely (renamed into place).
 *
 * @param step      optimizer steps completed
 * @param directory the {@code checkpoint-<step>} directory
 * @param best      true when it holds the best validation loss so far
 */
public record CheckpointSaved(long step, Path directory, boolean best) {
}
