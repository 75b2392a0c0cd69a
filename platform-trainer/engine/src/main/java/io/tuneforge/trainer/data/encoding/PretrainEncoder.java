package io.tuneforge.trainer.data.encoding;

import io.tuneforge.shared.dataset.DatasetException;
import io.tuneforge.trainer.data.Example;
import io.tuneforge.trainer.data.ExampleKind;
import io.tuneforge.trainer.data.TokenizedSample;
import io.tuneforge.trainer.tokenizer.TextTokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Raw text for continued pre-training (stage pt), as LLaMA-Factory's {@code preprocess_pretrain_dataset}: every
 * document is its text followed by EOS, and every token trains. With packing (the default of stage pt) the documents
 * are tokenized without special tokens, joined into one stream and cut into blocks of exactly {@code cutoff_len}
 * tokens (the last partial block is dropped); when the tokenizer adds BOS, each block's first token becomes BOS.
 * Without packing each document is BOS (if the tokenizer adds it) + text + EOS, truncated at {@code cutoff_len}.
 */
public final class PretrainEncoder {

    private final TextTokenizer tokenizer;
    private final int cutoffLen;
    private final boolean packing;

    public PretrainEncoder(TextTokenizer tokenizer, int cutoffLen, boolean packing) {
        if (cutoffLen < 2) {
            throw new IllegalArgumentException("cutoff_len must be >= 2, was " + cutoffLen);
        }
        this.tokenizer = tokenizer;
        this.cutoffLen = cutoffLen;
        this.packing = packing;
    }

    /** The training samples of the documents, every label counted. */
    public List<TokenizedSample> encodeAll(List<Example> documents) {
        int eos = tokenizer.specialTokens().eosIds().isEmpty() ? -1 : tokenizer.specialTokens().eosIds().getFirst();
        boolean addBos = tokenizer.specialTokens().addBos() && tokenizer.specialTokens().bosId().isPresent();
        List<TokenizedSample> out = new ArrayList<>();
        IntStream stream = new IntStream();
        for (int i = 0; i < documents.size(); i++) {
            Example document = documents.get(i);
            if (document.kind() != ExampleKind.TEXT) {
                throw new DatasetException("example " + i + " is " + document.kind().name().toLowerCase(
                        java.util.Locale.ROOT) + " data: stage pt trains on raw text (a text column, a .txt file)");
            }
            int[] body = tokenizer.encode(document.messages().getFirst().content());
            if (packing) {
                stream.add(body);
                if (eos >= 0) {
                    stream.add(new int[] {eos});
                }
            } else {
                int[] ids = concat(addBos ? new int[] {tokenizer.specialTokens().bosId().getAsInt()} : new int[0],
                        body, eos >= 0 ? new int[] {eos} : new int[0]);
                ids = Arrays.copyOf(ids, Math.min(ids.length, cutoffLen));
                out.add(new TokenizedSample(ids, ids.clone()));
            }
        }
        if (packing) {
            int[] all = stream.toArray();
            for (int start = 0; start + cutoffLen <= all.length; start += cutoffLen) {
                int[] block = Arrays.copyOfRange(all, start, start + cutoffLen);
                if (addBos) {
                    block[0] = tokenizer.specialTokens().bosId().getAsInt();
                }
                out.add(new TokenizedSample(block, block.clone()));
            }
            if (out.isEmpty() && all.length > 0) {
                throw new DatasetException("the text holds " + all.length + " tokens, less than one block of cutoff_len "
                        + cutoffLen + ": lower cutoff_len or add text");
            }
        }
        return out;
    }

    private static int[] concat(int[]... parts) {
        int n = 0;
        for (int[] p : parts) {
            n += p.length;
        }
        int[] out = new int[n];
        int at = 0;
        for (int[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    /** A growable int buffer. */
    private static final class IntStream {
        private int[] data = new int[1024];
        private int size;

        void add(int[] values) {
            if (size + values.length > data.length) {
                data = Arrays.copyOf(data, Math.max(data.length * 2, size + values.length));
            }
            System.arraycopy(values, 0, data, size, values.length);
            size += values.length;
        }

        int[] toArray() {
            return Arrays.copyOf(data, size);
        }
    }
}
