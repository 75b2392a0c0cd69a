package io.tuneforge.core.dataset;

import io.tuneforge.core.platform.LowercaseEnumConverter;
import jakarta.persistence.Converter;

/** The shape of a dataset's rows (see the data pipeline for each format's fields). */
public enum DatasetFormat {
    ALPACA,
    SHAREGPT,
    OPENAI,
    CLASSIFICATION,
    TEXT,
    PREFERENCE;

    @Converter(autoApply = true)
    static class Column extends LowercaseEnumConverter<DatasetFormat> {
        Column() {
            super(DatasetFormat.class);
        }
    }
}
