package io.tuneforge.trainer.data.preparation;

import java.util.Optional;

/**
 * What preparation does to validated examples, in this order: normalise text, remove exact duplicates, keep at most
 * {@code maxSamples}, split train/validation, mix in general data.
 *
 * @param normalizeText    whitespace normalisation and control-character stripping ({@link TextNormalizer})
 * @param removeDuplicates drop examples equal to an earlier one (after normalisation)
 * @param maxSamples       keep only the first N examples ({@code max_samples}); empty: all
 * @param valSize          validation split ({@code val_size}, 0.2 by default)
 * @param seed             seed of the split shuffle and the mixing sample ({@code seed}, 42)
 * @param mixing           a general dataset to mix into the training split
 */
public record PreparationOptions(boolean normalizeText, boolean removeDuplicates, Optional<Integer> maxSamples,
        ValSize valSize, long seed, Optional<Mixing> mixing) {

    public PreparationOptions {
        maxSamples = maxSamples == null ? Optional.empty() : maxSamples;
        valSize = valSize == null ? ValSize.DEFAULT : valSize;
        mixing = mixing == null ? Optional.empty() : mixing;
    }

    /** Normalise, deduplicate, all rows, 0.2 validation, seed 42, no mixing. */
    public static PreparationOptions defaults() {
        return new PreparationOptions(true, true, Optional.empty(), ValSize.DEFAULT, 42, Optional.empty());
    }

    public PreparationOptions withMaxSamples(int max) {
        return new PreparationOptions(normalizeText, removeDuplicates, Optional.of(max), valSize, seed, mixing);
    }

    public PreparationOptions withValSize(ValSize size) {
        return new PreparationOptions(normalizeText, removeDuplicates, maxSamples, size, seed, mixing);
    }

    public PreparationOptions withSeed(long newSeed) {
        return new PreparationOptions(normalizeText, removeDuplicates, maxSamples, valSize, newSeed, mixing);
    }

    public PreparationOptions withMixing(Mixing newMixing) {
        return new PreparationOptions(normalizeText, removeDuplicates, maxSamples, valSize, seed, Optional.of(newMixing));
    }

    public PreparationOptions withNormalization(boolean normalize, boolean dedupe) {
        return new PreparationOptions(normalize, dedupe, maxSamples, valSize, seed, mixing);
    }
}
