package io.tuneforge.core.dataset;

import io.tuneforge.shared.dataset.DatasetException;

/** An upload that is byte for byte an existing version of the same dataset: it is not stored again. */
public class DuplicateDatasetVersionException extends DatasetException {

    private final long existingVersionId;
    private final int existingVersion;

    public DuplicateDatasetVersionException(String datasetName, String fileName, long existingVersionId,
            int existingVersion) {
        super(fileName + " is the same file (same SHA-256) as version " + existingVersion + " of dataset '"
                + datasetName + "'; nothing was stored: use version " + existingVersion);
        this.existingVersionId = existingVersionId;
        this.existingVersion = existingVersion;
    }

    public long existingVersionId() {
        return existingVersionId;
    }

    public int existingVersion() {
        return existingVersion;
    }
}
