package io.tuneforge.core.dataset;

import io.tuneforge.shared.dataset.DatasetFormat;
import java.nio.file.Path;

/**
 * Checks a stored dataset file in a given format. The platform uses the data pipeline's full validator when it is
 * present, else {@link StructuralDatasetValidator}.
 */
public interface DatasetValidator {

    ValidationReport validate(Path file, DatasetFormat format);
}
