package io.tuneforge.trainer.data.format;

import io.tuneforge.shared.dataset.DatasetException;
import io.tuneforge.trainer.data.ProblemKind;

import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * CSV (RFC 4180: comma-separated, {@code "} quotes, {@code ""} escapes, quoted fields may span lines) with a header
 * row. Each row becomes a JSON object of header name to text. Blank lines are skipped.
 */
final class CsvSource implements RecordSource {

    private final Path file;
    private final Utf8LineReader lines;
    private List<String> header;
    private long index;

    CsvSource(Path file) throws IOException {
        this.file = file;
        this.lines = new Utf8LineReader(Files.newInputStream(file));
    }

    @Override
    public Optional<SourceItem> next() {
        try {
            if (header == null) {
                Optional<SourceItem> headerProblem = readHeader();
                if (header == null) {
                    return headerProblem;
                }
            }
            while (true) {
                Optional<Utf8LineReader.Line> first = lines.next();
                if (first.isEmpty()) {
                    return Optional.empty();
                }
                if (first.get().utf8Error().isEmpty() && first.get().text().isBlank()) {
                    continue;
                }
                return Optional.of(row(first.get()));
            }
        } catch (IOException e) {
            throw new DatasetException("Cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private Optional<SourceItem> readHeader() throws IOException {
        while (true) {
            Optional<Utf8LineReader.Line> first = lines.next();
            if (first.isEmpty()) {
                return Optional.empty();
            }
            Utf8LineReader.Line line = first.get();
            if (line.utf8Error().isPresent()) {
                return Optional.of(new SourceItem.SourceProblem(index++, line.number(), ProblemKind.NON_UTF8,
                        line.utf8Error().get() + " (in the header row)", true));
            }
            if (line.text().isBlank()) {
                continue;
            }
            Parsed parsed = parseRecord(line);
            if (parsed.error != null) {
                return Optional.of(new SourceItem.SourceProblem(index++, line.number(), parsed.errorKind,
                        parsed.error + " (in the header row)", true));
            }
            header = parsed.fields.stream().map(String::trim).toList();
            return Optional.empty();
        }
    }

    private SourceItem row(Utf8LineReader.Line line) throws IOException {
        long recordIndex = index++;
        Parsed parsed = parseRecord(line);
        if (parsed.error != null) {
            return new SourceItem.SourceProblem(recordIndex, line.number(), parsed.errorKind, parsed.error, false);
        }
        if (parsed.fields.size() != header.size()) {
            return new SourceItem.SourceProblem(recordIndex, line.number(), ProblemKind.MALFORMED_ROW,
                    "row has " + parsed.fields.size() + " columns but the header has " + header.size()
                            + " (" + String.join(", ", header) + "); quote fields that contain commas", false);
        }
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        for (int i = 0; i < header.size(); i++) {
            node.put(header.get(i), parsed.fields.get(i));
        }
        return new SourceItem.RawRecord(recordIndex, line.number(), node);
    }

    private static final class Parsed {
        final List<String> fields = new ArrayList<>();
        String error;
        ProblemKind errorKind;
    }

    /** Parses one CSV record starting at {@code line}, reading further lines while a quoted field is open. */
    private Parsed parseRecord(Utf8LineReader.Line line) throws IOException {
        Parsed parsed = new Parsed();
        StringBuilder field = new StringBuilder();
        boolean quoted = false;
        boolean fieldWasQuoted = false;
        String text = line.text();
        int i = 0;
        while (true) {
            if (i >= text.length()) {
                if (!quoted) {
                    parsed.fields.add(field.toString());
                    return parsed;
                }
                Optional<Utf8LineReader.Line> more = lines.next();
                if (more.isEmpty()) {
                    parsed.error = "a quoted field opened on line " + line.number() + " is never closed";
                    parsed.errorKind = ProblemKind.MALFORMED_ROW;
                    return parsed;
                }
                if (more.get().utf8Error().isPresent()) {
                    parsed.error = "line " + more.get().number() + ": " + more.get().utf8Error().get();
                    parsed.errorKind = ProblemKind.NON_UTF8;
                    return parsed;
                }
                field.append('\n');
                text = more.get().text();
                i = 0;
                continue;
            }
            char c = text.charAt(i++);
            if (quoted) {
                if (c == '"') {
                    if (i < text.length() && text.charAt(i) == '"') {
                        field.append('"');
                        i++;
                    } else {
                        quoted = false;
                    }
                } else {
                    field.append(c);
                }
            } else if (c == '"' && field.isEmpty() && !fieldWasQuoted) {
                quoted = true;
                fieldWasQuoted = true;
            } else if (c == ',') {
                parsed.fields.add(field.toString());
                field.setLength(0);
                fieldWasQuoted = false;
            } else {
                field.append(c);
            }
        }
    }

    @Override
    public Layout layout() {
        return Layout.CSV;
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
