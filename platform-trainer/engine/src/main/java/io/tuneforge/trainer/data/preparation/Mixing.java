package io.tuneforge.trainer.data.preparation;

import io.tuneforge.shared.dataset.DatasetException;
import io.tuneforge.trainer.data.Example;

import java.util.List;

/**
 * Mixing a general dataset into the training split to limit catastrophic forgetting.
 *
 * @param general the general-purpose examples to sample from
 * @param ratio   the share of general examples in the final training split, in [0, 1): 0.1 means one example in ten
 *                comes from the general data. Sampled without replacement (seeded), capped at the general set's size.
 */
public record Mixing(List<Example> general, double ratio) {

    public Mixing {
        general = List.copyOf(general);
        if (!(ratio >= 0 && ratio < 1)) {
            throw new DatasetException("mixing ratio " + ratio + " must be in [0, 1)");
        }
    }

    /** General examples to add to a training split of {@code taskRows} task examples. */
    public int rowsFor(int taskRows) {
        return (int) Math.min(general.size(), Math.round(ratio / (1 - ratio) * taskRows));
    }
}
