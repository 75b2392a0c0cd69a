package io.tuneforge.trainer.data;

/** What an {@link Example} is used for; decides how it is encoded for training. */
public enum ExampleKind {
    /** A conversation ending with an assistant turn (supervised fine-tuning): Alpaca, ShareGPT, OpenAI rows. */
    CHAT,
    /** A classification row as a conversation: the text as the user turn, the label as the assistant turn. */
    CLASSIFICATION,
    /** Raw text for continued pre-training: one assistant-role message holding the text; no template applies. */
    TEXT,
    /** A prompt conversation (ending with a user turn) with a chosen and a rejected answer. */
    PREFERENCE
}
