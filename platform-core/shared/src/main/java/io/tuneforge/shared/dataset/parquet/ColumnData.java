package io.tuneforge.shared.dataset.parquet;

import tools.jackson.databind.JsonNode;

/**
 * One leaf column of one row group, decoded: a repetition and a definition level per slot (a slot is a value, a null
 * or an empty or null list), and the present values in order (one per slot whose definition level is the maximum).
 *
 * @param repetition repetition level per slot ({@code null} when the column is not repeated: all 0)
 * @param definition definition level per slot ({@code null} when the column is required: all maximum)
 * @param values     present values, in slot order
 * @param slots      number of slots
 */
record ColumnData(int[] repetition, int[] definition, JsonNode[] values, int slots) {

    int repetitionAt(int slot) {
        return repetition == null ? 0 : repetition[slot];
    }

    int definitionAt(int slot, int max) {
        return definition == null ? max : definition[slot];
    }
}
