package io.tuneforge.trainer.data.encoding;

import java.util.Map;

/**
 * How examples become token sequences.
 *
 * @param cutoffLen         maximum tokens per sample ({@code cutoff_len}, LLaMA-Factory's default 2048); longer samples
 *                          are truncated as {@link ConversationEncoder} documents
 * @param trainOnPrompt     compute the loss on prompt tokens too ({@code train_on_prompt}, false: only responses)
 * @param packing           concatenate short samples into sequences of up to {@code cutoffLen} tokens ({@code packing})
 * @param templateVariables extra chat-template variables (for example {@code enable_thinking=false})
 */
public record EncodingOptions(int cutoffLen, boolean trainOnPrompt, boolean packing,
        Map<String, Object> templateVariables) {

    public EncodingOptions {
        if (cutoffLen < 2) {
            throw new IllegalArgumentException("cutoff_len must be >= 2, was " + cutoffLen);
        }
        templateVariables = templateVariables == null ? Map.of() : Map.copyOf(templateVariables);
    }

    /** cutoff 2048, responses only, no packing. */
    public static EncodingOptions defaults() {
        return new EncodingOptions(2048, false, false, Map.of());
    }

    public EncodingOptions withCutoff(int cutoff) {
        return new EncodingOptions(cutoff, trainOnPrompt, packing, templateVariables);
    }

    public EncodingOptions withTrainOnPrompt(boolean train) {
        return new EncodingOptions(cutoffLen, train, packing, templateVariables);
    }

    public EncodingOptions withPacking(boolean pack) {
        return new EncodingOptions(cutoffLen, trainOnPrompt, pack, templateVariables);
    }
}
