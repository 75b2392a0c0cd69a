package io.tuneforge.trainer.data.validation;

import io.tuneforge.trainer.data.Example;

import tools.jackson.databind.JsonNode;

/**
 * A row that passed validation.
 *
 * @param recordIndex index of the record from 0
 * @param line        line where it starts
 * @param raw         the record as read (CSV rows and text lines as objects)
 * @param example     the record in the common conversation model
 */
public record ValidatedRow(long recordIndex, long line, JsonNode raw, Example example) {
}
