package io.tuneforge.trainer.data.preparation;

import io.tuneforge.trainer.data.Example;

import java.util.List;

/**
 * The result of preparation.
 *
 * @param train              training examples (shuffled with the seed, general data mixed in)
 * @param validation         validation examples (empty when val_size is 0)
 * @param inputRows          examples given to preparation
 * @param emptiedRows        examples dropped because normalisation left a message empty
 * @param duplicatesRemoved  exact duplicates removed
 * @param cutByMaxSamples    examples left out by max_samples
 * @param generalRows        general examples mixed into the training split
 */
public record PreparedDataset(List<Example> train, List<Example> validation, int inputRows, int emptiedRows,
        int duplicatesRemoved, int cutByMaxSamples, int generalRows) {

    public PreparedDataset {
        train = List.copyOf(train);
        validation = List.copyOf(validation);
    }
}
