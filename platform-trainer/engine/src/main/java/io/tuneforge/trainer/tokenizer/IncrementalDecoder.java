package io.tuneforge.trainer.tokenizer;

import java.util.Arrays;

/**
 * Streaming-safe decoding of generated tokens, the way Hugging Face's text-generation server does it: the text of
 * a window of recent tokens is decoded with and without the newest ones, and only the difference is emitted, once it
 * no longer ends in U+FFFD (an incomplete UTF-8 sequence from byte-fallback tokens). So a piece never contains a
 * broken character and decoders that strip a leading space only do so at the very start. The concatenation of all
 * pieces equals {@code decode(all ids)}.
 */
public final class IncrementalDecoder {

    private final TextTokenizer tokenizer;
    private int[] ids = new int[64];
    private int size;
    private int prefixOffset;
    private int readOffset;

    /** A decoder of {@code tokenizer}'s ids, turning a growing id sequence into text pieces for streaming. */
    public IncrementalDecoder(TextTokenizer tokenizer) {
        this.tokenizer = tokenizer;
    }

    /** Adds one generated token and returns the text it completes (may be empty while a character is incomplete). */
    public String add(int id) {
        if (size == ids.length) {
            ids = Arrays.copyOf(ids, size * 2);
        }
        ids[size++] = id;
        String prefix = tokenizer.decode(Arrays.copyOfRange(ids, prefixOffset, readOffset));
        String full = tokenizer.decode(Arrays.copyOfRange(ids, prefixOffset, size));
        if (full.length() > prefix.length() && !full.endsWith("\uFFFD")) {
            String piece = full.substring(prefix.length());
            prefixOffset = readOffset;
            readOffset = size;
            return piece;
        }
        return "";
    }

    /** Text still held back at the end (an incomplete character); empty when everything was emitted. */
    public String flush() {
        String prefix = tokenizer.decode(Arrays.copyOfRange(ids, prefixOffset, readOffset));
        String full = tokenizer.decode(Arrays.copyOfRange(ids, prefixOffset, size));
        prefixOffset = readOffset = size;
        return full.length() > prefix.length() ? full.substring(prefix.length()) : "";
    }
}
