package io.tuneforge.core.dataset;

import io.tuneforge.shared.dataset.DatasetException;

/** No such dataset version, or not visible to the caller: another team's version reads exactly as an absent one. */
public class DatasetVersionNotFoundException extends DatasetException {

    public DatasetVersionNotFoundException(long versionId) {
        super("Dataset version " + versionId + " does not exist or belongs to another team.");
    }
}
