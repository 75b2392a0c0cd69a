package io.tuneforge.trainer.evaluation;

import com.huaban.analysis.jieba.JiebaSegmenter;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Per-language tokenization for generation metrics. The language of a sample is detected on its label (on the
 * prediction when the label is blank): when at least {@value #CJK_THRESHOLD} of its letters and digits are Han or kana,
 * the sample is Chinese ({@link Tokenization#JIEBA}) or, with kana, Japanese ({@link Tokenization#CHARACTERS});
 * otherwise {@link Tokenization#WORDS}. Prediction and label of one sample always share one tokenization.
 *
 * <p>Known limit: the Java port's dictionary and DAG route ({@code jieba-analysis} 1.0.2) differ slightly from python
 * jieba 0.42.1, so a few word boundaries differ (python {@code 不|大}, {@code 试|过}, {@code 可|因} vs Java
 * {@code 不大}, {@code 试过}, {@code 可因}): measured on the first 200 characters of question and answer of 60
 * MedicalGPT dialogues, 9 of 120 texts differed in one to three places. The golden test lists each difference it
 * knows.
 *
 * <p>The same rule is written in {@code src/test/python/generation_metrics_golden.py}; keep them in step.
 */
public final class MetricTokenizer {

    /** Share of Han/kana characters among letters and digits from which a text counts as CJK. */
    public static final double CJK_THRESHOLD = 0.3;

    private static final Pattern WORD = Pattern.compile("\\w+(?:['\u2019\\-]\\w+)*|[^\\w\\s]",
            Pattern.UNICODE_CHARACTER_CLASS);

    /** Python jieba's {@code re_han_default}: the blocks its dictionary segmenter sees. */
    private static final Pattern JIEBA_BLOCK = Pattern.compile("[\u4E00-\u9FD5a-zA-Z0-9+#&._%\\-]+");

    private static final Pattern NUMBER = Pattern.compile("[a-zA-Z0-9]+(?:\\.\\d+)?");

    private MetricTokenizer() {
    }

    /** The tokenization for one sample (label first, prediction when the label is blank). */
    public static Tokenization detect(String label, String prediction) {
        String text = label.isBlank() ? prediction : label;
        int alnum = 0;
        int han = 0;
        int kana = 0;
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            i += Character.charCount(cp);
            if (!Character.isLetterOrDigit(cp)) {
                continue;
            }
            alnum++;
            if (isHan(cp)) {
                han++;
            } else if (isKana(cp)) {
                kana++;
            }
        }
        if (alnum == 0 || (han + kana) < CJK_THRESHOLD * alnum) {
            return Tokenization.WORDS;
        }
        return kana > 0 ? Tokenization.CHARACTERS : Tokenization.JIEBA;
    }

    /** Splits {@code text} into the tokens BLEU and ROUGE compare. */
    public static List<String> tokenize(String text, Tokenization tokenization) {
        return switch (tokenization) {
            case WORDS -> words(text);
            case CHARACTERS -> characters(text);
            case JIEBA -> jieba(text);
        };
    }

    private static List<String> words(String text) {
        List<String> tokens = new ArrayList<>();
        Matcher m = WORD.matcher(text);
        while (m.find()) {
            tokens.add(m.group());
        }
        return tokens;
    }

    private static List<String> characters(String text) {
        List<String> tokens = new ArrayList<>();
        text.codePoints().filter(cp -> !Character.isWhitespace(cp)).forEach(cp -> tokens.add(Character.toString(cp)));
        return tokens;
    }

    /**
     * Python jieba's {@code cut} outer loop, which the Java port does not reproduce (it glues runs of punctuation such
     * as {@code "？，"} into one token): blocks of Han/ASCII letters/digits/{@code +#&._%-} go to the dictionary
     * segmenter, every other non-space character is a token of its own.
     */
    private static List<String> jieba(String text) {
        List<String> tokens = new ArrayList<>();
        Matcher block = JIEBA_BLOCK.matcher(text);
        int end = 0;
        while (block.find()) {
            addSingleCharacters(text.substring(end, block.start()), tokens);
            for (String token : Jieba.SEGMENTER.sentenceProcess(block.group())) {
                if (token.equals("%") && !tokens.isEmpty() && NUMBER.matcher(tokens.getLast()).matches()) {
                    tokens.set(tokens.size() - 1, tokens.getLast() + token); // python's finalseg keeps "0.05%" whole
                } else if (!token.isBlank()) {
                    tokens.add(token);
                }
            }
            end = block.end();
        }
        addSingleCharacters(text.substring(end), tokens);
        return tokens;
    }

    private static void addSingleCharacters(String text, List<String> tokens) {
        text.codePoints().filter(cp -> !Character.isWhitespace(cp)).forEach(cp -> tokens.add(Character.toString(cp)));
    }

    private static boolean isHan(int cp) {
        return (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0xF900 && cp <= 0xFAFF)
                || (cp >= 0x20000 && cp <= 0x2FA1F);
    }

    private static boolean isKana(int cp) {
        return cp >= 0x3040 && cp <= 0x30FF;
    }

    /** Holder: the dictionary (5 MB, read from the jieba-analysis jar) loads on first Chinese sample only. */
    private static final class Jieba {
        static final JiebaSegmenter SEGMENTER = new JiebaSegmenter();
    }
}
