package io.tuneforge.shared.dataset.parquet;

import io.tuneforge.shared.dataset.DatasetException;

/** A Parquet file cannot be read: not Parquet, truncated, damaged, or using a feature this reader does not decode. */
public final class ParquetException extends DatasetException {

    ParquetException(String message) {
        super(message);
    }

    ParquetException(String message, Throwable cause) {
        super(message, cause);
    }
}
