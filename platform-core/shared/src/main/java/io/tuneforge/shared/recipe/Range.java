package io.tuneforge.shared.recipe;

import java.math.BigDecimal;
import java.util.Locale;

/**
 * The interval a numeric key accepts.
 *
 * @param min          lower bound
 * @param minInclusive whether {@code min} itself is allowed
 * @param max          upper bound
 * @param maxInclusive whether {@code max} itself is allowed
 */
public record Range(double min, boolean minInclusive, double max, boolean maxInclusive) {

    /** Any finite number. */
    public static final Range ANY = new Range(-Double.MAX_VALUE, true, Double.MAX_VALUE, true);

    /** From {@code min} to {@code max}, both included. */
    public static Range between(double min, double max) {
        return new Range(min, true, max, true);
    }

    /** Above {@code min} (excluded) up to {@code max} (included). */
    public static Range aboveUpTo(double min, double max) {
        return new Range(min, false, max, true);
    }

    /** From {@code min} (included) up to {@code max} (excluded), e.g. a probability below 1. */
    public static Range fromBelow(double min, double max) {
        return new Range(min, true, max, false);
    }

    /** Whether {@code value} lies inside. */
    public boolean contains(double value) {
        boolean aboveMin = minInclusive ? value >= min : value > min;
        boolean belowMax = maxInclusive ? value <= max : value < max;
        return Double.isFinite(value) && aboveMin && belowMax;
    }

    /** "a whole number from 1 to 1,000,000" or "a number above 0 and at most 10". */
    String describe(boolean whole) {
        String noun = whole ? "a whole number" : "a number";
        if (this.equals(ANY)) {
            return noun;
        }
        String low = (minInclusive ? (whole ? "from " : "of at least ") : "above ") + format(min);
        String high = (maxInclusive ? (whole ? "to " : "and at most ") : "and below ") + format(max);
        if (whole && minInclusive && maxInclusive) {
            return noun + " from " + format(min) + " to " + format(max);
        }
        return noun + " " + low + " " + high;
    }

    private static String format(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return String.format(Locale.ROOT, "%,d", (long) v);
        }
        return new BigDecimal(Double.toString(v)).stripTrailingZeros().toPlainString();
    }
}
