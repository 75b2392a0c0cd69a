package io.tuneforge.core.dataset;

import io.tuneforge.core.platform.LowercaseEnumConverter;
import io.tuneforge.shared.dataset.DatasetFormat;
import jakarta.persistence.Converter;

/**
 * Stores a {@link DatasetFormat} as its lower-case name ({@code sharegpt}), the spelling of the
 * {@code dataset_versions.format} CHECK constraint. It lives here because the shared enum knows nothing of JPA.
 */
@Converter(autoApply = true)
class DatasetFormatColumn extends LowercaseEnumConverter<DatasetFormat> {

    DatasetFormatColumn() {
        super(DatasetFormat.class);
    }
}
