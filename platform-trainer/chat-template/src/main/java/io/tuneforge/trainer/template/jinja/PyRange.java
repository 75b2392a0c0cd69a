package io.tuneforge.trainer.template.jinja;

import java.util.ArrayList;
import java.util.List;

/** Python's {@code range(start, stop, step)}: a lazy sequence that prints as {@code range(0, 3)}. */
record PyRange(long start, long stop, long step) {

    int size() {
        long n = step > 0 ? (stop - start + step - 1) / step : (start - stop - step - 1) / -step;
        return (int) Math.max(0, n);
    }

    List<Object> items() {
        List<Object> out = new ArrayList<>(size());
        for (long i = start; step > 0 ? i < stop : i > stop; i += step) {
            out.add(i);
        }
        return out;
    }

    @Override
    public String toString() {
        return "range(" + start + ", " + stop + (step == 1 ? "" : ", " + step) + ")";
    }
}
