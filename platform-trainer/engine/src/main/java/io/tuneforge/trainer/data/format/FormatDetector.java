package io.tuneforge.trainer.data.format;

import io.tuneforge.shared.dataset.DatasetException;
import io.tuneforge.shared.dataset.DatasetFormat;

import tools.jackson.databind.JsonNode;

import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Guesses the format of a record from its fields (the first records of a file decide for {@code --format auto}).
 * Preference data ({@code chosen} and {@code rejected}) is checked first: LLaMA-Factory's ShareGPT-style preference
 * rows also carry {@code conversations}.
 */
public final class FormatDetector {

    /** Records read at most to find one that reveals the format. */
    public static final int DETECTION_WINDOW = 64;

    private FormatDetector() {
    }

    /**
     * The format of a file: that of the first record (within {@link #DETECTION_WINDOW}) whose fields reveal one;
     * empty when none does or the file cannot be read. Upload, import, the CLI's {@code --format auto} and the
     * validator all detect this way, so a file gets the same format wherever it enters.
     */
    public static Optional<DatasetFormat> detect(Path file) {
        return detect(file, Columns.defaults());
    }

    /**
     * The format of a file whose fields are named by a column mapping (see {@link #detect(JsonNode, Columns)}), found
     * like {@link #detect(Path)}.
     */
    public static Optional<DatasetFormat> detect(Path file, Columns columns) {
        try (RecordSource source = RecordSources.open(file)) {
            for (int read = 0; read < DETECTION_WINDOW; read++) {
                Optional<SourceItem> item = source.next();
                if (item.isEmpty()) {
                    return Optional.empty();
                }
                if (item.get() instanceof SourceItem.RawRecord raw) {
                    Optional<DatasetFormat> format = detect(raw.value(), columns);
                    if (format.isPresent()) {
                        return format;
                    }
                }
                if (item.get() instanceof SourceItem.SourceProblem problem && problem.fatal()) {
                    return Optional.empty();
                }
            }
            return Optional.empty();
        } catch (DatasetException | UncheckedIOException e) {
            return Optional.empty();
        }
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

    /**
     * The format a record looks like when its fields are named by {@code columns}: the mapped names decide first, then the
     * default names as in {@link #detect(JsonNode)}: mapped preference columns make preference data, a mapped messages list a
     * conversation (ShareGPT, whose reader tells {@code from}/{@code value} from {@code role}/{@code content}), a
     * mapped prompt, query or response an Alpaca row.
     */
    public static Optional<DatasetFormat> detect(JsonNode record, Columns columns) {
        if (columns.equals(Columns.defaults()) || record == null || !record.isObject()) {
            return detect(record);
        }
        if (record.has(columns.chosen()) && record.has(columns.rejected())) {
            return Optional.of(DatasetFormat.PREFERENCE);
        }
        if (record.path(columns.messages()).isArray()) {
            return Optional.of(DatasetFormat.SHAREGPT);
        }
        if (record.has(columns.prompt()) || record.has(columns.response())) {
            return Optional.of(DatasetFormat.ALPACA);
        }
        if (record.has(columns.text())) {
            return Optional.of(record.has(columns.label()) ? DatasetFormat.CLASSIFICATION : DatasetFormat.TEXT);
        }
        return detect(record);
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
        };
    }

    /** The fields each format needs, in words (for "cannot detect" messages). */
    public static String expectedFields() {
        return "alpaca: instruction/input/output; sharegpt: conversations; openai: messages; "
                + "classification: text and label; text: text; preference: chosen and rejected";
    }
}
