package io.tuneforge.core.dataset;

import io.tuneforge.shared.dataset.ColumnMapping;
import io.tuneforge.shared.dataset.DatasetFormat;
import java.time.Instant;

/**
 * One dataset version with its stored file and validation report.
 *
 * @param id          version id
 * @param datasetId   dataset id
 * @param datasetName dataset name
 * @param version     version number (1, 2, ...)
 * @param format      the format rows are read as
 * @param status      validation status
 * @param fileName    the uploaded file's original name
 * @param sizeBytes   stored file size
 * @param sha256      stored file's SHA-256
 * @param report      the validation report (empty report while validating)
 * @param createdAt   upload time
 * @param mapping     the column mapping rows are read through (none: the format's own field names)
 */
public record VersionDetails(long id, long datasetId, String datasetName, int version, DatasetFormat format,
        DatasetVersion.Status status, String fileName, long sizeBytes, String sha256, ValidationSummary report,
        Instant createdAt, ColumnMapping mapping) {
}
