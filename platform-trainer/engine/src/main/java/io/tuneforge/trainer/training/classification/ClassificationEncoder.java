package io.tuneforge.trainer.training.classification;

import io.tuneforge.shared.dataset.DatasetException;
import io.tuneforge.trainer.data.Example;
import io.tuneforge.trainer.data.ExampleKind;
import io.tuneforge.trainer.data.TokenizedSample;
import io.tuneforge.trainer.tokenizer.TextTokenizer;
import java.util.Arrays;
import java.util.List;

/**
 * Classification rows for a {@link SequenceClassifier}: the text tokenized as transformers' tokenizer does (BOS by the
 * tokenizer's rules, cut to {@code cutoffLen − 1} tokens from the start), then one pad position whose label is the
 * class id. The trainer's shifted loss then reads the text's last token — where transformers'
 * {@code *ForSequenceClassification} pools — and its cross-entropy over the head's logits is the classification loss,
 * one counted target per row.
 */
public final class ClassificationEncoder {

    private final TextTokenizer tokenizer;
    private final ClassLabels labels;
    private final int cutoffLen;
    private final int padId;

    public ClassificationEncoder(TextTokenizer tokenizer, ClassLabels labels, int cutoffLen) {
        if (cutoffLen < 2) {
            throw new IllegalArgumentException("cutoff_len must be at least 2 for classification, got " + cutoffLen);
        }
        this.tokenizer = tokenizer;
        this.labels = labels;
        this.cutoffLen = cutoffLen;
        this.padId = tokenizer.specialTokens().padId().orElse(0);
    }

    /** The text's token ids as the head reads them (no class position). */
    public int[] textIds(String text) {
        int[] ids = tokenizer.encodeWithBos(text);
        return ids.length <= cutoffLen - 1 ? ids : Arrays.copyOf(ids, cutoffLen - 1);
    }

    /** One row: text ids, then a pad position labelled with the class id. */
    public TokenizedSample encode(String text, int classId) {
        int[] textIds = textIds(text);
        int[] ids = Arrays.copyOf(textIds, textIds.length + 1);
        ids[textIds.length] = padId;
        int[] targets = new int[ids.length];
        Arrays.fill(targets, TokenizedSample.IGNORE_INDEX);
        targets[textIds.length] = classId;
        return new TokenizedSample(ids, targets);
    }

    /**
     * Every classification row, in order.
     *
     * @throws DatasetException naming the row for a row that is not a classification row or has a label the head
     *                          does not know
     */
    public List<TokenizedSample> encodeAll(List<Example> rows) {
        return java.util.stream.IntStream.range(0, rows.size()).mapToObj(i -> {
            Example row = rows.get(i);
            if (row.kind() != ExampleKind.CLASSIFICATION || row.label().isEmpty()) {
                throw new DatasetException("row " + (i + 1) + " is a " + row.kind().name().toLowerCase()
                        + " row: a classification head trains on text + label rows");
            }
            String label = row.label().get();
            int classId = labels.indexOf(label).orElseThrow(() -> new DatasetException("row " + (i + 1)
                    + ": label '" + label + "' is not one of the head's labels " + labels.names()));
            return encode(row.messages().getFirst().content(), classId);
        }).toList();
    }
}
