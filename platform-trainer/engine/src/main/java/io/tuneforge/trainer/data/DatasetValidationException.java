package io.tuneforge.trainer.data;

import io.tuneforge.shared.dataset.DatasetException;
import io.tuneforge.trainer.data.validation.ValidationReport;

/** A dataset was rejected by validation; the report lists every problem (file, line, field, reason). */
public class DatasetValidationException extends DatasetException {

    private final transient ValidationReport report;

    public DatasetValidationException(ValidationReport report) {
        super("Dataset " + report.file() + " is invalid (" + report.invalidRecords() + " of " + report.records()
                + " records); run `dataset validate --file " + report.file() + "` for the full report\n"
                + report.toText());
        this.report = report;
    }

    public ValidationReport report() {
        return report;
    }
}
