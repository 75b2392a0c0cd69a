package io.tuneforge.core.dataset;

import io.tuneforge.shared.dataset.ColumnMapping;
import io.tuneforge.shared.dataset.DatasetException;
import java.util.Optional;

/**
 * An upload refused whole because its rows do not pass validation: nothing was stored. Carries the validation report
 * (file, row, field and reason of the first problems, counts by kind) for the UI and the API's 422 problem, and a
 * column mapping to try when the rows have a common shape the formats' own names do not cover.
 */
public class DatasetRejectedException extends DatasetException {

    private final String fileName;
    private final transient ValidationSummary report;
    private final transient Optional<ColumnMapping> suggestedMapping;

    public DatasetRejectedException(String fileName, ValidationSummary report) {
        this(fileName, report, Optional.empty());
    }

    /** A refusal with a column mapping to try ({@link ColumnMapping#suggest}). */
    public DatasetRejectedException(String fileName, ValidationSummary report, Optional<ColumnMapping> suggestedMapping) {
        super(fileName + " was not stored: " + report.problemCount() + " problem" + (report.problemCount() == 1 ? "" : "s")
                + " in " + report.rows() + " row" + (report.rows() == 1 ? "" : "s") + firstProblem(report)
                + suggestedMapping.map(m -> ". The rows look like prompt/answer pairs: upload again with the column "
                        + "mapping " + m.describe()).orElse("")
                + ". Fix the file and upload it again, or keep only the valid rows");
        this.fileName = fileName;
        this.report = report;
        this.suggestedMapping = suggestedMapping;
    }

    /** A column mapping that would read the rows, when they have a common prompt/answer shape. */
    public Optional<ColumnMapping> suggestedMapping() {
        return suggestedMapping;
    }

    public String fileName() {
        return fileName;
    }

    public ValidationSummary report() {
        return report;
    }

    private static String firstProblem(ValidationSummary report) {
        return report.problems().stream().filter(p -> !p.reason().startsWith("Warning:")).findFirst()
                .map(p -> " (first: " + (p.row() > 0 ? "row " + p.row() : "the file")
                        + (p.field().isEmpty() ? "" : ", " + p.field()) + ": " + p.reason() + ")")
                .orElse("");
    }
}
