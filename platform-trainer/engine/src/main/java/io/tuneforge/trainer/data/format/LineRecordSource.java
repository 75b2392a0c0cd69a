package io.tuneforge.trainer.data.format;

import io.tuneforge.shared.dataset.DatasetException;
import io.tuneforge.trainer.data.ProblemKind;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A file read line by line, one record per non-blank line: blank lines are skipped, a line that is not UTF-8 is a
 * problem and reading continues. Subclasses turn a line into a record.
 */
abstract class LineRecordSource implements RecordSource {

    private final Path file;
    private final Utf8LineReader lines;
    private long index;

    LineRecordSource(Path file) throws IOException {
        this.file = file;
        this.lines = new Utf8LineReader(Files.newInputStream(file));
    }

    /** The record (or problem) of a non-blank, well-encoded line, at record index {@code recordIndex}. */
    abstract SourceItem record(long recordIndex, Utf8LineReader.Line line);

    @Override
    public final Optional<SourceItem> next() {
        try {
            while (true) {
                Optional<Utf8LineReader.Line> next = lines.next();
                if (next.isEmpty()) {
                    return Optional.empty();
                }
                Utf8LineReader.Line line = next.get();
                if (line.utf8Error().isPresent()) {
                    return Optional.of(new SourceItem.SourceProblem(index++, line.number(), ProblemKind.NON_UTF8,
                            line.utf8Error().get(), false));
                }
                if (!line.text().isBlank()) {
                    return Optional.of(record(index++, line));
                }
            }
        } catch (IOException e) {
            throw new DatasetException("Cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public final void close() {
        try {
            lines.close();
        } catch (IOException ignored) {
            // closing a read-only file
        }
    }
}
