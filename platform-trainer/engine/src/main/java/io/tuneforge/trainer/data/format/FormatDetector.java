package io.tuneforge.trainer.data.format;

import io.tuneforge.trainer.data.DatasetFormat;

import tools.jackson.databind.JsonNode;

import java.util.Optional;

/** Guesses the format of a record from its fields (the first records of a file decide for {@code --format auto}). */
public final class FormatDetector {

    private FormatDetector() {
    }

    /** The format a record looks like, if any. */
    public static Optional<DatasetFormat> detect(JsonNode record) {
        if (record == null || !record.isObject()) {
            return Optional.empty();
        }
        if (record.has("chosen") && record.has("rejected")) {
            return Optional.of(DatasetFormat.PREFERENCE);
        }
        if (record.path("conversations").isArray()) {
            return Optional.of(DatasetFormat.SHAREGPT);
        }
        if (record.path("messages").isArray()) {
            return Optional.of(DatasetFormat.OPENAI);
        }
        if (record.has("instruction") || record.has("output")) {
            return Optional.of(DatasetFormat.ALPACA);
        }
        if (record.has("text") && record.has("label")) {
            return Optional.of(DatasetFormat.CLASSIFICATION);
        }
        if (record.has("text")) {
            return Optional.of(DatasetFormat.TEXT);
        }
        return Optional.empty();
    }

    /** Why a record looks like a format, in words (for suggestions). */
    public static String evidence(DatasetFormat format) {
        return switch (format) {
            case PREFERENCE -> "rows have 'chosen' and 'rejected'";
            case SHAREGPT -> "rows have a 'conversations' list";
            case OPENAI -> "rows have a 'messages' list";
            case ALPACA -> "rows have 'instruction'/'output'";
            case CLASSIFICATION -> "rows have 'text' and 'label'";
            case TEXT -> "rows have only 'text'";
            case AUTO -> "";
        };
    }

    /** The fields each format needs, in words (for "cannot detect" messages). */
    public static String expectedFields() {
        return "alpaca: instruction/input/output; sharegpt: conversations; openai: messages; "
                + "classification: text and label; text: text; preference: chosen and rejected";
    }
}
