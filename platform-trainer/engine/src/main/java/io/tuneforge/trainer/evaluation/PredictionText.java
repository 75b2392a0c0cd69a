package io.tuneforge.trainer.evaluation;

import io.tuneforge.trainer.tokenizer.TextTokenizer;
import java.util.List;

/**
 * A generated answer as it is stored in {@code predictions.jsonl} and shown to blind A/B raters: the text of
 * {@code decode(ids, skip_special_tokens=True)} (as transformers decodes LLaMA-Factory's predictions), with two
 * further clean-ups that decoding the ids alone cannot do:
 * <ul>
 *   <li>special tokens a model spelled out as ordinary characters ({@code "<", "/", "s", ">"} for {@code </s>}, which
 *       small models learn from training text) are removed, by the texts of the tokenizer's own special tokens;</li>
 *   <li>the replacement characters (U+FFFD) and lone surrogates that an answer cut mid-character (byte-fallback
 *       tokens of a multi-byte UTF-8 character at the token limit) leaves are removed, so the text is valid UTF-8.</li>
 * </ul>
 */
public final class PredictionText {

    private PredictionText() {
    }

    /** {@code text} without {@code tokenizer}'s special-token texts, replacement characters or lone surrogates. */
    public static String clean(String text, TextTokenizer tokenizer) {
        return clean(text, tokenizer.specialTokenTexts());
    }

    /**
     * {@code text} without any of {@code specialTokens} (removed longest first, so {@code <|im_end|>} is not left
     * half-removed by a shorter token inside it), replacement characters or lone surrogates. Nothing else changes:
     * spaces and newlines stay as generated.
     */
    public static String clean(String text, List<String> specialTokens) {
        if (text == null || text.isEmpty()) {
            return "";
        }
        String withoutTokens = text;
        for (String token : specialTokens) {
            withoutTokens = withoutTokens.replace(token, "");
        }
        return validCharacters(withoutTokens);
    }

    /** The characters of {@code text} that encode to UTF-8: paired surrogates are kept, U+FFFD and lone halves go. */
    private static String validCharacters(String text) {
        StringBuilder valid = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                valid.append(c).append(text.charAt(++i));
            } else if (!Character.isSurrogate(c) && c != '\uFFFD') {
                valid.append(c);
            }
        }
        return valid.toString();
    }
}
