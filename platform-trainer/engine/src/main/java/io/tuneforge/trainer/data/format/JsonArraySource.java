package io.tuneforge.trainer.data.format;

import io.tuneforge.shared.dataset.DatasetException;
import io.tuneforge.trainer.data.ProblemKind;

import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.exc.StreamReadException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;

/**
 * A JSON array of records, read with Jackson's streaming parser one element at a time (memory bounded by the largest
 * element, not the file). A syntax or encoding error inside the array is fatal: the parser cannot resynchronise.
 */
final class JsonArraySource implements RecordSource {

    /** Reads one array element from the shared parser: what follows the element is the next element, not an error. */
    private static final JsonMapper MAPPER = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).build();

    private final InputStream in;
    private final JsonParser parser;
    private long index;
    private boolean done;

    JsonArraySource(Path file) throws IOException {
        this.in = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        this.parser = MAPPER.createParser(in);
    }

    @Override
    public Optional<SourceItem> next() {
        if (done) {
            return Optional.empty();
        }
        long line = 1;
        try {
            if (index == 0 && parser.currentToken() == null) {
                JsonToken start = parser.nextToken();
                if (start != JsonToken.START_ARRAY) {
                    throw new DatasetException("expected a JSON array");
                }
            }
            JsonToken token = parser.nextToken();
            line = parser.currentTokenLocation().getLineNr();
            if (token == JsonToken.END_ARRAY || token == null) {
                done = true;
                return Optional.empty();
            }
            JsonNode value = MAPPER.readTree(parser);
            return Optional.of(new SourceItem.RawRecord(index++, line, value));
        } catch (StreamReadException e) {
            done = true;
            long errorLine = e.getLocation() != null && e.getLocation().getLineNr() > 0
                    ? e.getLocation().getLineNr() : line;
            ProblemKind kind = isEncodingError(e) ? ProblemKind.NON_UTF8 : ProblemKind.INVALID_JSON;
            String reason = kind == ProblemKind.NON_UTF8
                    ? describe(e) + "; save the file as UTF-8"
                    : describe(e) + "; the rest of the array cannot be read";
            return Optional.of(new SourceItem.SourceProblem(index++, errorLine, kind, reason, true));
        } catch (JacksonException e) {
            done = true;
            return Optional.of(new SourceItem.SourceProblem(index++, line, ProblemKind.INVALID_JSON, describe(e), true));
        }
    }

    private static boolean isEncodingError(JacksonException e) {
        String message = String.valueOf(e.getOriginalMessage()).toLowerCase(Locale.ROOT);
        return message.contains("utf-8") || message.contains("utf8");
    }

    /** Jackson's message without its source-location suffix (we report the line ourselves). */
    static String describe(JacksonException e) {
        String message = e.getOriginalMessage();
        if (message == null) {
            message = e.getMessage();
        }
        int newline = message.indexOf('\n');
        return "invalid JSON: " + (newline > 0 ? message.substring(0, newline) : message);
    }

    @Override
    public Layout layout() {
        return Layout.JSON_ARRAY;
    }

    @Override
    public void close() {
        try {
            parser.close();
            in.close();
        } catch (IOException | JacksonException ignored) {
            // closing a read-only file
        }
    }
}
