package io.tuneforge.web.evaluate;

import java.util.regex.Pattern;

/**
 * Model output as a rater should read it: the tokenizer's special tokens that generation left in the text
 * ({@code </s>}, {@code <|im_end|>}, {@code <|eot_id|>}, ...) are removed, and so are the replacement characters and
 * lone surrogates a token cut in the middle of a multi-byte character leaves behind, so a blind comparison is not
 * decided by whose answer shows more debris.
 */
final class RaterText {

    /**
     * Special tokens of the families TuneForge trains: Llama-2/Mistral ({@code <s>}, {@code </s>}, {@code <unk>},
     * {@code <pad>}, {@code [INST]}), ChatML and Llama-3 ({@code <|...|>}), Gemma ({@code <start_of_turn>},
     * {@code <end_of_turn>}, {@code <eos>}, {@code <bos>}).
     */
    private static final Pattern SPECIAL_TOKEN = Pattern.compile(
            "</?s>|<unk>|<pad>|<eos>|<bos>|\\[/?INST]|<\\|[A-Za-z0-9_]{1,40}\\|>|<(?:start|end)_of_turn>");

    private RaterText() {
    }

    /** The text without special tokens, replacement characters or lone surrogates, trimmed. */
    static String clean(String text) {
        if (text == null) {
            return "";
        }
        String withoutTokens = SPECIAL_TOKEN.matcher(text).replaceAll("");
        StringBuilder clean = new StringBuilder(withoutTokens.length());
        for (int i = 0; i < withoutTokens.length(); i++) {
            char c = withoutTokens.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < withoutTokens.length()
                    && Character.isLowSurrogate(withoutTokens.charAt(i + 1))) {
                clean.append(c).append(withoutTokens.charAt(++i));
            } else if (!Character.isSurrogate(c) && c != '\uFFFD') {
                clean.append(c);
            }
        }
        return clean.toString().strip();
    }
}
