package io.tuneforge.trainer.data.format;

import io.tuneforge.trainer.data.ProblemKind;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.nio.file.Path;

/** JSON Lines: one JSON object per line; blank lines are skipped; a bad line is a problem, reading continues. */
final class JsonLinesSource extends LineRecordSource {

    private static final JsonMapper MAPPER = JsonMapper.builder().build();

    JsonLinesSource(Path file) throws IOException {
        super(file);
    }

    @Override
    SourceItem record(long recordIndex, Utf8LineReader.Line line) {
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
}
