package io.tuneforge.trainer.data.validation;

import java.util.List;

/**
 * A row left out because it is invalid (only when the user asked to drop bad rows).
 *
 * @param recordIndex index of the record from 0
 * @param line        line where it starts
 * @param reasons     every reason it was dropped
 */
public record DroppedRow(long recordIndex, long line, List<String> reasons) {

    public DroppedRow {
        reasons = List.copyOf(reasons);
    }
}
