package io.tuneforge.trainer.data.platform;

import io.tuneforge.core.dataset.ValidationReport;
import io.tuneforge.shared.dataset.DatasetFormat;
import io.tuneforge.trainer.data.DatasetSpec;
import io.tuneforge.trainer.data.validation.DatasetValidator;
import io.tuneforge.trainer.data.validation.LengthMeasure;
import io.tuneforge.trainer.data.validation.Problem;
import io.tuneforge.trainer.data.validation.ValidationOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The platform's dataset check (uploads in the UI, {@code POST /api/v1/files}) done by the data pipeline's streaming
 * {@link DatasetValidator}: the same reading of every format and file type (JSON, JSON Lines, CSV, Parquet) that
 * training uses, so a file the platform accepts is a file the trainer reads. Its report is translated into core's
 * {@link ValidationReport}: errors are counted, warnings (duplicates) are listed but keep the file valid, every problem
 * keeps its record number, field and reason (and its line when it differs from the record number), and the counts
 * per kind are carried over.
 */
public final class PipelineDatasetValidator implements io.tuneforge.core.dataset.DatasetValidator {

    @Override
    public ValidationReport validate(Path file, io.tuneforge.shared.dataset.DatasetFormat format) {
        ValidationOptions options = new ValidationOptions(ValidationReport.MAX_LISTED, Optional.empty(),
                LengthMeasure.characters(), false);
        return adapt(DatasetValidator.validate(DatasetSpec.of(file, pipelineFormat(format)), options));
    }

    /** Core's formats are the pipeline's, without AUTO (the platform always knows the format it validates). */
    static DatasetFormat pipelineFormat(io.tuneforge.shared.dataset.DatasetFormat format) {
        return DatasetFormat.valueOf(format.name());
    }

    /** The pipeline's report in core's terms. */
    static ValidationReport adapt(io.tuneforge.trainer.data.validation.ValidationReport report) {
        List<ValidationReport.Problem> problems = new ArrayList<>();
        report.suggestedFormat().ifPresent(suggested -> problems.add(new ValidationReport.Problem(0, "",
                "The rows look like " + suggested.cliName() + " data: read the file as " + suggested.cliName())));
        report.problems().stream().map(PipelineDatasetValidator::problem).forEach(problems::add);
        Map<String, Long> counts = new LinkedHashMap<>();
        report.counts().forEach((kind, count) -> counts.put(kind.name(), count));
        int errors = (int) Math.min(Integer.MAX_VALUE, Math.max(report.errorCount(), report.fileError() ? 1 : 0));
        return new ValidationReport((int) Math.min(Integer.MAX_VALUE, report.records()), errors, problems, counts);
    }

    private static ValidationReport.Problem problem(Problem p) {
        int row = p.recordIndex() >= 0 ? (int) Math.min(Integer.MAX_VALUE, p.recordIndex() + 1) : 0;
        StringBuilder reason = new StringBuilder(p.isError() ? "" : "Warning: ").append(capitalised(p.reason()));
        if (p.line() > 0 && p.line() != row) {
            reason.append(" (line ").append(p.line()).append(')');
        }
        return new ValidationReport.Problem(row, p.field(), reason.toString());
    }

    private static String capitalised(String text) {
        return text.isEmpty() ? text : Character.toUpperCase(text.charAt(0)) + text.substring(1);
    }
}
