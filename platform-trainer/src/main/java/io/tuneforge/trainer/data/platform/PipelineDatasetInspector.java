package io.tuneforge.trainer.data.platform;

import io.tuneforge.core.dataset.DatasetInspector;
import io.tuneforge.core.dataset.DatasetRecord;
import io.tuneforge.core.dataset.ValidationSummary;
import io.tuneforge.shared.dataset.ColumnMapping;
import io.tuneforge.shared.dataset.DatasetException;
import io.tuneforge.shared.dataset.DatasetFormat;
import io.tuneforge.trainer.data.DatasetSpec;
import io.tuneforge.trainer.data.format.FormatDetector;
import io.tuneforge.trainer.data.format.RecordSource;
import io.tuneforge.trainer.data.format.RecordSources;
import io.tuneforge.trainer.data.format.SourceItem;
import io.tuneforge.trainer.data.validation.DatasetValidator;
import io.tuneforge.trainer.data.validation.LengthMeasure;
import io.tuneforge.trainer.data.validation.Problem;
import io.tuneforge.trainer.data.validation.ValidationOptions;
import io.tuneforge.trainer.data.validation.ValidationReport;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.Set;
import io.tuneforge.trainer.data.ProblemKind;
import tools.jackson.databind.json.JsonMapper;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The platform's dataset reading (uploads in the UI, {@code POST /api/v1/files}, LLaMA-Factory imports, previews)
 * done by the data pipeline: the same format detection ({@link FormatDetector}), the same reading of every format and
 * file type (JSON, JSON Lines, CSV, text) and the same streaming {@link DatasetValidator} that the CLI and training
 * use, so a file the platform accepts is a file the trainer reads, in the format the CLI would detect.
 *
 * <p>The pipeline's {@link ValidationReport} is summarised in core's {@link ValidationSummary}: errors are counted,
 * warnings (duplicates) are listed but keep the file valid, every problem keeps its record number, field and reason
 * (and its line when it differs from the record number), and the counts per kind are carried over.
 */
public final class PipelineDatasetInspector implements DatasetInspector {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    /** Problems of reading the file rather than of a row's content: listed before the others. */
    private static final Set<ProblemKind> SYNTAX = EnumSet.of(ProblemKind.UNREADABLE_FILE, ProblemKind.EMPTY_FILE,
            ProblemKind.INVALID_JSON, ProblemKind.NON_UTF8, ProblemKind.MALFORMED_ROW);

    @Override
    public Optional<DatasetFormat> detect(Path file, ColumnMapping mapping) {
        return FormatDetector.detect(file, DatasetSpec.detecting(file).withMapping(mapping).columns());
    }

    @Override
    public ValidationSummary validate(Path file, DatasetFormat format, ColumnMapping mapping) {
        ValidationOptions options = new ValidationOptions(ValidationSummary.MAX_LISTED, Optional.empty(),
                LengthMeasure.characters(), false);
        return summary(DatasetValidator.validate(DatasetSpec.of(file, format).withMapping(mapping), options));
    }

    /** Validates like {@link #validate} and writes every row that passes, as read, to {@code target} as JSON Lines. */
    @Override
    public ValidationSummary keepValid(Path file, DatasetFormat format, ColumnMapping mapping, Path target) {
        ValidationOptions options = new ValidationOptions(ValidationSummary.MAX_LISTED, Optional.empty(),
                LengthMeasure.characters(), false);
        try (Writer out = Files.newBufferedWriter(target, StandardCharsets.UTF_8)) {
            ValidationReport report = DatasetValidator.validate(DatasetSpec.of(file, format).withMapping(mapping),
                    options, row -> {
                try {
                    out.write(JSON.writeValueAsString(row.raw()));
                    out.write('\n');
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            return summary(report);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write the valid rows to " + target + ": " + e.getMessage(), e);
        }
    }

    @Override
    public List<DatasetRecord> head(Path file, int limit) {
        List<DatasetRecord> records = new ArrayList<>();
        try (RecordSource source = RecordSources.open(file)) {
            while (records.size() < limit) {
                Optional<SourceItem> item = source.next();
                if (item.isEmpty()) {
                    break;
                }
                switch (item.get()) {
                    case SourceItem.RawRecord raw -> records.add(new DatasetRecord(row(raw.index()), raw.value()));
                    case SourceItem.SourceProblem problem -> throw new DatasetException(file.getFileName() + ", line "
                            + problem.line() + ": " + problem.reason());
                }
            }
        }
        return records;
    }

    /** The pipeline's report in core's terms. */
    static ValidationSummary summary(ValidationReport report) {
        List<ValidationSummary.Problem> problems = new ArrayList<>();
        report.suggestedFormat().ifPresent(suggested -> problems.add(new ValidationSummary.Problem(0, "",
                "The rows look like " + suggested.cliName() + " data: read the file as " + suggested.cliName())));
        // syntax errors (a file or row that cannot be read) first, then the per-row consequences, each in file order
        report.problems().stream().sorted(Comparator.comparing(p -> !SYNTAX.contains(p.kind())))
                .map(PipelineDatasetInspector::problem).forEach(problems::add);
        Map<String, Long> counts = new LinkedHashMap<>();
        report.counts().forEach((kind, count) -> counts.put(kind.name(), count));
        int errors = (int) Math.min(Integer.MAX_VALUE, Math.max(report.errorCount(), report.fileError() ? 1 : 0));
        return new ValidationSummary((int) Math.min(Integer.MAX_VALUE, report.records()), errors, problems, counts);
    }

    private static ValidationSummary.Problem problem(Problem p) {
        int row = p.recordIndex() >= 0 ? row(p.recordIndex()) : 0;
        StringBuilder reason = new StringBuilder(p.isError() ? "" : "Warning: ").append(capitalised(p.reason()));
        if (p.line() > 0 && p.line() != row) {
            reason.append(" (line ").append(p.line()).append(')');
        }
        return new ValidationSummary.Problem(row, p.field(), reason.toString());
    }

    /** The 1-based row number of a 0-based record index. */
    private static int row(long recordIndex) {
        return (int) Math.min(Integer.MAX_VALUE, recordIndex + 1);
    }

    private static String capitalised(String text) {
        return text.isEmpty() ? text : Character.toUpperCase(text.charAt(0)) + text.substring(1);
    }
}
