package io.tuneforge.trainer.data.format;

import tools.jackson.databind.node.JsonNodeFactory;

import java.io.IOException;
import java.nio.file.Path;

/** Plain text: every non-blank line is one record {@code {"text": line}} (Hugging Face's {@code text} loader). */
final class TextLinesSource extends LineRecordSource {

    TextLinesSource(Path file) throws IOException {
        super(file);
    }

    @Override
    SourceItem record(long recordIndex, Utf8LineReader.Line line) {
        return new SourceItem.RawRecord(recordIndex, line.number(),
                JsonNodeFactory.instance.objectNode().put("text", line.text()));
    }

    @Override
    public Layout layout() {
        return Layout.TEXT_LINES;
    }
}
