package io.tuneforge.trainer.data.format;

import tools.jackson.databind.JsonNode;

import java.util.Optional;

/**
 * Preference pairs in LLaMA-Factory's two layouts, chosen per row: sharegpt-style (a turns column, here
 * {@code conversations} or {@code messages}, plus {@code chosen}/{@code rejected} turns or texts) or alpaca-style
 * ({@code instruction}, {@code input}, {@code chosen}, {@code rejected} as texts).
 */
public final class PreferenceReader implements RecordReader {

    private final Columns columns;
    private final ShareGptReader conversations;
    private final ShareGptReader messages;
    private final AlpacaReader alpaca;

    public PreferenceReader(Columns columns, Optional<ShareGptTags> tags) {
        this.columns = columns;
        this.conversations = new ShareGptReader(columns, tags, true);
        this.messages = new ShareGptReader(columns.withMessages("messages"), tags, true);
        this.alpaca = new AlpacaReader(columns, true);
    }

    @Override
    public ReadOutcome read(JsonNode record) {
        if (record.has(columns.messages())) {
            return conversations.read(record);
        }
        if (!record.has(columns.prompt()) && record.has("messages")) {
            return messages.read(record);
        }
        return alpaca.read(record);
    }
}
