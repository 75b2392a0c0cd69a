package io.tuneforge.trainer.data;

/**
 * One training example after templating and tokenization: what the trainer consumes.
 *
 * @param inputIds token ids fed to the model, BOS included where the tokenizer config asks for it
 * @param labels   same length as {@code inputIds}; the token id where the loss counts, {@link #IGNORE_INDEX} where it
 *                 does not (prompt tokens, padding). The causal shift happens inside the loss, not here.
 */
public record TokenizedSample(int[] inputIds, int[] labels) {

    /** Label value for positions excluded from the loss (PyTorch's and Hugging Face's convention). */
    public static final int IGNORE_INDEX = -100;

    public TokenizedSample {
        if (inputIds.length != labels.length) {
            throw new IllegalArgumentException(
                    "inputIds and labels differ in length: " + inputIds.length + " vs " + labels.length);
        }
    }

    public int length() {
        return inputIds.length;
    }

    /** Number of positions that count in the loss. */
    public int targetTokens() {
        int n = 0;
        for (int label : labels) {
            if (label != IGNORE_INDEX) {
                n++;
            }
        }
        return n;
    }
}
