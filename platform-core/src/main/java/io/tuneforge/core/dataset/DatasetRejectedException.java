package io.tuneforge.core.dataset;

import io.tuneforge.shared.dataset.DatasetException;

/**
 * An upload refused whole because its rows do not pass validation: nothing was stored. Carries the validation report
 * (file, row, field and reason of the first problems, counts by kind) for the UI and the API's 422 problem.
 */
public class DatasetRejectedException extends DatasetException {

    private final String fileName;
    private final transient ValidationSummary report;

    public DatasetRejectedException(String fileName, ValidationSummary report) {
        super(fileName + " was not stored: " + report.problemCount() + " problem" + (report.problemCount() == 1 ? "" : "s")
                + " in " + report.rows() + " row" + (report.rows() == 1 ? "" : "s") + firstProblem(report)
                + ". Fix the file and upload it again, or keep only the valid rows");
        this.fileName = fileName;
        this.report = report;
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
