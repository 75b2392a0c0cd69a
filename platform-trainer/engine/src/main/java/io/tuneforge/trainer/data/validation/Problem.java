package io.tuneforge.trainer.data.validation;

import io.tuneforge.trainer.data.ProblemKind;

import java.nio.file.Path;

/**
 * One defect found in a dataset.
 *
 * @param kind        what is wrong
 * @param file        the dataset file
 * @param line        line where the record (or defect) starts, from 1; 0 for the file as a whole
 * @param recordIndex index of the record from 0; -1 for the file as a whole
 * @param field       field path ({@code output}, {@code conversations[2].from}); empty when not about one field
 * @param reason      what is wrong and what to do
 */
public record Problem(ProblemKind kind, Path file, long line, long recordIndex, String field, String reason) {

    public boolean isError() {
        return kind.isError();
    }

    /** {@code file:line: record N, field F: reason [KIND]}. */
    public String describe() {
        StringBuilder s = new StringBuilder().append(file);
        if (line > 0) {
            s.append(':').append(line);
        }
        s.append(": ");
        if (recordIndex >= 0) {
            s.append("record ").append(recordIndex);
            s.append(field.isEmpty() ? ": " : ", field '" + field + "': ");
        } else if (!field.isEmpty()) {
            s.append("field '").append(field).append("': ");
        }
        return s.append(reason).append(" [").append(kind).append(isError() ? "" : ", warning").append(']').toString();
    }
}
