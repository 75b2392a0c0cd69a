package io.tuneforge.trainer.data.preparation;

/**
 * Cleans message text without changing what it says:
 * <ul>
 *   <li>line endings {@code \r\n} and {@code \r} become {@code \n};</li>
 *   <li>control characters other than {@code \n} and {@code \t}, the byte-order mark and zero-width characters
 *       (U+200B..U+200D, U+2060, U+FEFF) are removed;</li>
 *   <li>other Unicode spaces (no-break space, en/em spaces, ...) become a plain space;</li>
 *   <li>trailing spaces and tabs at the end of each line are removed, runs of more than one blank line become one
 *       blank line, and the text is trimmed at both ends.</li>
 * </ul>
 * Indentation and spaces inside a line are kept (code stays intact).
 */
public final class TextNormalizer {

    private TextNormalizer() {
    }

    public static String normalize(String text) {
        StringBuilder out = new StringBuilder(text.length());
        int lineStart = 0;
        int newlines = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\r') {
                if (i + 1 < text.length() && text.charAt(i + 1) == '\n') {
                    continue;
                }
                c = '\n';
            }
            if (c == '\n') {
                stripTrailing(out, lineStart);
                if (newlines < 2) {
                    out.append('\n');
                }
                newlines++;
                lineStart = out.length();
                continue;
            }
            if (isRemoved(c)) {
                continue;
            }
            if (c != ' ' && c != '\t' && Character.getType(c) == Character.SPACE_SEPARATOR) {
                c = ' ';
            }
            if (c != ' ' && c != '\t') {
                newlines = 0;
            }
            out.append(c);
        }
        stripTrailing(out, lineStart);
        return out.toString().strip();
    }

    private static boolean isRemoved(char c) {
        if (c == '\t') {
            return false;
        }
        return Character.getType(c) == Character.CONTROL
                || c == '\uFEFF' || c == '\u200B' || c == '\u200C' || c == '\u200D' || c == '\u2060';
    }

    private static void stripTrailing(StringBuilder out, int lineStart) {
        int end = out.length();
        while (end > lineStart && (out.charAt(end - 1) == ' ' || out.charAt(end - 1) == '\t')) {
            end--;
        }
        out.setLength(end);
    }
}
