package io.tuneforge.trainer.data.validation;

import io.tuneforge.shared.dataset.ColumnMapping;
import io.tuneforge.shared.dataset.DatasetException;
import io.tuneforge.shared.dataset.DatasetFormat;
import io.tuneforge.trainer.data.DatasetSpec;
import io.tuneforge.trainer.data.ProblemKind;
import io.tuneforge.trainer.data.format.FieldIssue;
import io.tuneforge.trainer.data.format.FormatDetector;
import io.tuneforge.trainer.data.format.FormatReaders;
import io.tuneforge.trainer.data.format.ReadOutcome;
import io.tuneforge.trainer.data.format.RecordReader;
import io.tuneforge.trainer.data.format.RecordSource;
import io.tuneforge.trainer.data.format.RecordSources;
import io.tuneforge.trainer.data.format.SourceItem;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Validates a dataset file in one streaming pass: memory stays bounded by the largest record plus one 64-bit hash
 * per row (for duplicate detection), whatever the file size. Every problem is reported with file, line, record index,
 * field and reason; the first {@link ValidationOptions#maxReportedProblems()} in full, all of them counted per kind.
 *
 * <p>Valid rows are passed to a sink as they are read. The verdict is only known at the end: a caller that keeps rows
 * must discard them when the report is not {@link ValidationReport#accepted() accepted} (see {@code DatasetImporter}).
 */
public final class DatasetValidator {

    private DatasetValidator() {
    }

    public static ValidationReport validate(DatasetSpec spec, ValidationOptions options) {
        return validate(spec, options, row -> { });
    }

    public static ValidationReport validate(DatasetSpec spec, ValidationOptions options, Consumer<ValidatedRow> sink) {
        return new Run(spec, options, sink).execute();
    }

    /** The state of one validation pass. */
    private static final class Run {
        private final DatasetSpec spec;
        private final ValidationOptions options;
        private final Consumer<ValidatedRow> sink;
        private final Path file;
        private final List<Problem> problems = new ArrayList<>();
        private final Map<ProblemKind, Long> counts = new EnumMap<>(ProblemKind.class);
        private final List<DroppedRow> dropped = new ArrayList<>();
        private final Map<DatasetFormat, Long> detected = new EnumMap<>(DatasetFormat.class);
        private final Map<Long, Long> seen = new HashMap<>();
        private Optional<DatasetFormat> format = Optional.empty();
        private RecordReader reader;
        private long records;
        private long valid;
        private long invalid;
        private boolean fileError;

        Run(DatasetSpec spec, ValidationOptions options, Consumer<ValidatedRow> sink) {
            this.spec = spec;
            this.options = options;
            this.sink = sink;
            this.file = spec.file();
        }

        ValidationReport execute() {
            if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
                fileProblem(ProblemKind.UNREADABLE_FILE, "the file does not exist or cannot be read");
                return report(Optional.empty());
            }
            try (RecordSource source = RecordSources.open(file)) {
                Deque<SourceItem> window = new ArrayDeque<>();
                if (spec.format().isEmpty()) {
                    fillWindow(source, window);
                    if (format.isEmpty()) {
                        undetectable(window, source.layout());
                        return report(Optional.empty());
                    }
                } else {
                    format = spec.format();
                }
                reader = FormatReaders.create(format.get(), spec);
                while (!window.isEmpty()) {
                    process(window.poll());
                }
                Optional<SourceItem> item;
                while (!fileError && (item = source.next()).isPresent()) {
                    process(item.get());
                }
            } catch (DatasetException e) {
                fileProblem(ProblemKind.UNREADABLE_FILE, e.getMessage());
            }
            if (records == 0 && !fileError) {
                fileProblem(ProblemKind.EMPTY_FILE, "the file holds no records");
            }
            return report(suggestion());
        }

        /** Reads records until one reveals the format (or the window is full). */
        private void fillWindow(RecordSource source, Deque<SourceItem> window) {
            while (window.size() < FormatDetector.DETECTION_WINDOW) {
                Optional<SourceItem> item = source.next();
                if (item.isEmpty()) {
                    return;
                }
                window.add(item.get());
                if (item.get() instanceof SourceItem.RawRecord raw) {
                    format = FormatDetector.detect(raw.value(), spec.columns());
                    if (format.isPresent()) {
                        return;
                    }
                }
                if (item.get() instanceof SourceItem.SourceProblem p && p.fatal()) {
                    return;
                }
            }
        }

        private void undetectable(Deque<SourceItem> window, RecordSource.Layout layout) {
            Optional<SourceItem.RawRecord> firstRecord = window.stream()
                    .filter(SourceItem.RawRecord.class::isInstance).map(SourceItem.RawRecord.class::cast).findFirst();
            if (firstRecord.isEmpty()) {
                window.forEach(this::process);
                if (records == 0) {
                    fileProblem(ProblemKind.EMPTY_FILE, "the file holds no records");
                } else {
                    fileError = true;
                }
                return;
            }
            List<String> fields = new ArrayList<>();
            firstRecord.get().value().propertyNames().forEach(fields::add);
            Optional<ColumnMapping> suggested = ColumnMapping.suggest(fields);
            String hint = suggested.map(m -> "; the rows look like prompt/answer pairs: map the columns "
                            + m.toColumnsJson() + " (--columns in the CLI, the column mapping in the Datasets page)")
                    .orElse(layout == RecordSource.Layout.CSV
                    ? "; for a classification CSV with other headers, map its columns (--text-column, --label-column)"
                    : "; map the columns (--columns '{\"prompt\": ..., \"response\": ...}'), or rename the fields");
            fileProblem(ProblemKind.FORMAT_MISMATCH, "cannot detect the format: the first record has fields "
                    + fields + "; expected " + FormatDetector.expectedFields() + hint);
        }

        private void process(SourceItem item) {
            records++;
            switch (item) {
                case SourceItem.SourceProblem p -> {
                    invalid++;
                    add(new Problem(p.kind(), file, p.line(), p.index(), "", p.reason()));
                    if (p.fatal()) {
                        fileError = true;
                    } else if (options.dropInvalidRows()) {
                        dropped.add(new DroppedRow(p.index(), p.line(), List.of(p.reason())));
                    }
                }
                case SourceItem.RawRecord raw -> processRecord(raw);
            }
        }

        private void processRecord(SourceItem.RawRecord raw) {
            Optional<DatasetFormat> looksLike = FormatDetector.detect(raw.value(), spec.columns());
            looksLike.ifPresent(f -> detected.merge(f, 1L, Long::sum));
            ReadOutcome outcome = reader.read(raw.value());
            if (!outcome.valid()) {
                invalid++;
                for (FieldIssue issue : outcome.issues()) {
                    add(new Problem(issue.kind(), file, raw.line(), raw.index(), issue.field(), issue.reason()));
                }
                looksLike.filter(f -> f != format.get()).ifPresent(f -> add(new Problem(ProblemKind.FORMAT_MISMATCH,
                        file, raw.line(), raw.index(), "", "this row looks like " + f.cliName() + " ("
                        + FormatDetector.evidence(f).replace("rows have", "it has") + "), not "
                        + format.get().cliName())));
                if (options.dropInvalidRows()) {
                    dropped.add(new DroppedRow(raw.index(), raw.line(),
                            outcome.issues().stream().map(i -> (i.field().isEmpty() ? "" : i.field() + ": ")
                                    + i.reason()).toList()));
                }
                return;
            }
            valid++;
            checkDuplicate(raw);
            options.cutoff().ifPresent(cutoff -> {
                int length = options.lengthMeasure().measure(outcome.example().get());
                if (length > cutoff) {
                    add(new Problem(ProblemKind.TOO_LONG, file, raw.line(), raw.index(), "",
                            "row is " + length + " " + options.lengthMeasure().unit() + " long, over the cutoff of "
                                    + cutoff + " " + options.lengthMeasure().unit() + "; it will be truncated"));
                }
            });
            sink.accept(new ValidatedRow(raw.index(), raw.line(), raw.value(), outcome.example().get()));
        }

        private void checkDuplicate(SourceItem.RawRecord raw) {
            long hash = hash64(raw.value().toString());
            Long firstLine = seen.putIfAbsent(hash, raw.line());
            if (firstLine != null) {
                add(new Problem(ProblemKind.DUPLICATE_ROW, file, raw.line(), raw.index(), "",
                        "exact duplicate of the row on line " + firstLine + " (removed when the data is prepared)"));
            }
        }

        /** When rows fail and most of them look like another format, suggest it. */
        private Optional<DatasetFormat> suggestion() {
            if (invalid == 0 || detected.isEmpty() || format.isEmpty()) {
                return Optional.empty();
            }
            DatasetFormat top = detected.entrySet().stream().max(Map.Entry.comparingByValue()).get().getKey();
            if (top == format.get()) {
                return Optional.empty();
            }
            Problem mismatch = new Problem(ProblemKind.FORMAT_MISMATCH, file, 0, -1, "",
                    "the rows do not fit format " + format.get().cliName() + " but look like " + top.cliName()
                            + " (" + FormatDetector.evidence(top) + " in " + detected.get(top) + " of " + records
                            + " records); use --format " + top.cliName() + " (or --format auto)");
            counts.merge(mismatch.kind(), 1L, Long::sum);
            problems.addFirst(mismatch);
            if (problems.size() > options.maxReportedProblems()) {
                problems.removeLast();
            }
            return Optional.of(top);
        }

        private void fileProblem(ProblemKind kind, String reason) {
            fileError = true;
            add(new Problem(kind, file, 0, -1, "", reason));
        }

        private void add(Problem problem) {
            counts.merge(problem.kind(), 1L, Long::sum);
            if (problems.size() < options.maxReportedProblems()) {
                problems.add(problem);
            }
        }

        private ValidationReport report(Optional<DatasetFormat> suggested) {
            boolean keepDropped = options.dropInvalidRows() && !fileError;
            return new ValidationReport(file, spec.format(), format, suggested, records, valid, invalid, problems,
                    counts, keepDropped ? dropped : List.of(), fileError, options.dropInvalidRows(),
                    options.cutoff().map(c -> options.lengthMeasure().unit()), options.cutoff());
        }
    }

    /** 64-bit FNV-1a over the UTF-16 units of a string (duplicate detection; collisions negligible below 10^8 rows). */
    static long hash64(String s) {
        long h = 0xcbf29ce484222325L;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            h ^= c & 0xFF;
            h *= 0x100000001b3L;
            h ^= c >>> 8;
            h *= 0x100000001b3L;
        }
        return h;
    }
}
