package io.tuneforge.core.dataset;

import tools.jackson.databind.JsonNode;

/**
 * One record of a dataset file, as previewed.
 *
 * @param row   1-based record number, the row number validation problems name
 * @param value the record as a JSON object (CSV rows and text lines become objects too)
 */
public record DatasetRecord(int row, JsonNode value) {
}
