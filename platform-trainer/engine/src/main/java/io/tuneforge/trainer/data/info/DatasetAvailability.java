package io.tuneforge.trainer.data.info;

import io.tuneforge.trainer.data.DatasetSpec;

import java.util.Optional;

/**
 * Whether a {@code dataset_info.json} entry can be read here, offline.
 *
 * @param entry  the entry
 * @param spec   how to read it, when available
 * @param reason why it is not available (empty when it is)
 */
public record DatasetAvailability(DatasetInfoEntry entry, Optional<DatasetSpec> spec, Optional<String> reason) {

    public boolean available() {
        return spec.isPresent();
    }

    static DatasetAvailability available(DatasetInfoEntry entry, DatasetSpec spec) {
        return new DatasetAvailability(entry, Optional.of(spec), Optional.empty());
    }

    static DatasetAvailability unavailable(DatasetInfoEntry entry, String reason) {
        return new DatasetAvailability(entry, Optional.empty(), Optional.of(reason));
    }
}
