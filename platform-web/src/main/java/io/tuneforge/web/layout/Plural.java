package io.tuneforge.web.layout;

/** Counts with their noun in the right number: "1 rater", "2 raters", "0 problems". */
public final class Plural {

    private Plural() {
    }

    /** {@code count} and the noun, with an "s" unless the count is one. */
    public static String of(long count, String noun) {
        return count + " " + (count == 1 ? noun : noun + "s");
    }
}
