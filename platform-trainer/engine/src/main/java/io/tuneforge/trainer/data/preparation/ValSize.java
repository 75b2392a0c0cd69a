package io.tuneforge.trainer.data.preparation;

import io.tuneforge.shared.dataset.DatasetException;

/**
 * Size of the validation split, LLaMA-Factory's {@code val_size}: a fraction of the rows (0 &lt;= f &lt; 1) or a
 * whole count of rows (a whole number &gt;= 1).
 *
 * @param fraction the fraction, used when {@code count} is negative
 * @param count    the number of rows, or -1 when a fraction is given
 */
public record ValSize(double fraction, int count) {

    /** The usual 8:2 split. */
    public static final ValSize DEFAULT = new ValSize(0.2, -1);

    /** No validation split. */
    public static final ValSize NONE = new ValSize(0.0, -1);

    public ValSize {
        if (count < 0 && (fraction < 0 || fraction >= 1 || Double.isNaN(fraction))) {
            throw new DatasetException("val_size " + fraction + " must be a fraction in [0, 1) or a whole count >= 1");
        }
    }

    public static ValSize fraction(double fraction) {
        return new ValSize(fraction, -1);
    }

    public static ValSize count(int count) {
        if (count < 0) {
            throw new DatasetException("val_size " + count + " must be >= 0");
        }
        return new ValSize(0, count);
    }

    /** As LLaMA-Factory reads it: a number below 1 is a fraction, a whole number from 1 up a count. */
    public static ValSize of(double value) {
        if (value >= 1) {
            if (value != Math.rint(value)) {
                throw new DatasetException("val_size " + value + " must be a fraction below 1 or a whole count");
            }
            return count((int) value);
        }
        return fraction(value);
    }

    /** The number of validation rows for {@code rows} rows; at least one row is always left for training. */
    public int rowsFor(int rows) {
        int n = count >= 0 ? count : (int) Math.round(fraction * rows);
        if (n > 0 && n >= rows) {
            throw new DatasetException("val_size " + (count >= 0 ? count : fraction) + " leaves no training rows out of "
                    + rows + "; lower val_size");
        }
        return n;
    }
}
