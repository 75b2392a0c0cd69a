package io.tuneforge.trainer.data.format;

import io.tuneforge.trainer.data.DatasetException;
import io.tuneforge.trainer.data.ProblemKind;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** JSON Lines: one JSON object per line; blank lines are skipped; a bad line is a problem, reading continues. */
final class JsonLinesSource implements RecordSource {

    private static final JsonMapper MAPPER = JsonMapper.builder().build();

    private final Path file;
    private final Utf8LineReader lines;
    private long index;

    JsonLinesSource(Path file) throws IOException {
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
                if (line.text().isBlank()) {
                    continue;
                }
                return Optional.of(parse(line));
            }
        } catch (IOException e) {
            throw new DatasetException("Cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private SourceItem parse(Utf8LineReader.Line line) {
        long recordIndex = index++;
        try {
            JsonNode value = MAPPER.readTree(line.text());
            return new SourceItem.RawRecord(recordIndex, line.number(), value);
        } catch (JacksonException e) {
            return new SourceItem.SourceProblem(recordIndex, line.number(), ProblemKind.INVALID_JSON,
                    JsonArraySource.describe(e), false);
        }
    }

    @Override
    public Layout layout() {
        return Layout.JSON_LINES;
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
