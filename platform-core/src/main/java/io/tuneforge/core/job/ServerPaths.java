package io.tuneforge.core.job;

import java.util.regex.Pattern;

/**
 * Hides server file-system paths in texts shown to members (failure messages, event messages and data): where the
 * platform keeps its files is the administrators' business, and a path tells an attacker the layout. Administrators
 * see texts unchanged.
 */
public final class ServerPaths {

    /** What a hidden path reads as. */
    public static final String HIDDEN = "[server path]";

    /**
     * An absolute POSIX path of at least two segments ({@code /srv/x}, not a lone {@code /} nor the {@code //host/p}
     * of a URL), or a Windows drive path ({@code C:\x}); a full stop at its end is the sentence's, not the path's.
     */
    private static final Pattern PATH = Pattern.compile(
            "(?<![\\w:/.~-])/[\\w.@+~-]+(?:/[\\w.@+~-]*)+(?<!\\.)|\\b[A-Za-z]:\\\\[^\\s\"',;)]+(?<!\\.)");

    private ServerPaths() {
    }

    /** {@code text} with every server path replaced by {@link #HIDDEN}; null stays null. */
    public static String hide(String text) {
        return text == null ? null : PATH.matcher(text).replaceAll(java.util.regex.Matcher.quoteReplacement(HIDDEN));
    }
}
