package io.tuneforge.core.dataset;

/**
 * An uploaded file's name made safe before anything else reads it: the last path segment only, control characters
 * (NUL included) removed, and at most {@link #MAX_LENGTH} characters with the extension kept, since the extension tells
 * the data pipeline a CSV or text file from JSON and the rest becomes the dataset's default name.
 */
public final class UploadFileName {

    /** Longest name kept (the dataset name derived from it is limited to 200 characters). */
    public static final int MAX_LENGTH = 200;

    /** Longest extension kept when a name is shortened ({@code .parquet} and the like fit). */
    private static final int MAX_EXTENSION = 16;

    private UploadFileName() {
    }

    /** The cleaned name; {@code fallback} when nothing usable is left. */
    public static String clean(String raw, String fallback) {
        if (raw == null) {
            return fallback;
        }
        String name = raw.substring(Math.max(raw.lastIndexOf('/'), raw.lastIndexOf('\\')) + 1)
                .replaceAll("\\p{Cntrl}", "").strip();
        if (name.isEmpty() || name.equals(".") || name.equals("..")) {
            return fallback;
        }
        if (name.length() <= MAX_LENGTH) {
            return name;
        }
        int dot = name.lastIndexOf('.');
        String extension = dot > 0 && name.length() - dot <= MAX_EXTENSION ? name.substring(dot) : "";
        return name.substring(0, MAX_LENGTH - extension.length()).strip() + extension;
    }
}
