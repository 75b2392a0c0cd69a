package io.tuneforge.trainer.data.format;

import tools.jackson.databind.JsonNode;

/** Turns one parsed record of a given format into an {@link io.tuneforge.trainer.data.Example}, or says why not. */
public interface RecordReader {

    ReadOutcome read(JsonNode record);
}
