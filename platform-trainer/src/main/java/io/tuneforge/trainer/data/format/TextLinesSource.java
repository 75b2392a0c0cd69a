package io.tuneforge.trainer.data.format;

import io.tuneforge.trainer.data.DatasetException;
import io.tuneforge.trainer.data.ProblemKind;

import tools.jackson.databind.node.JsonNodeFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** Plain text: every non-blank line is one record {@code {"text": line}} (Hugging Face's {@code text} loader). */
final class TextLinesSource implements RecordSource {

    private final Path file;
    private final Utf8LineReader lines;
    private long index;

    TextLinesSource(Path file) throws IOException {
        this.file = file;
        this.lines = new Utf8LineReader(Files.newInputStream(file));
    }

    @Override
    public Optional<SourceItem> next() {
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
                    return Optional.of(new SourceItem.RawRecord(index++, line.number(),
                            JsonNodeFactory.instance.objectNode().put("text", line.text())));
                }
            }
        } catch (IOException e) {
            throw new DatasetException("Cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public Layout layout() {
        return Layout.TEXT_LINES;
    }

    @Override
    public void close() {
        try {
            lines.close();
        } catch (IOException ignored) {
            // closing a read-only file
        }
    }
}
