package io.tuneforge.trainer.data.encoding;

import io.tuneforge.shared.dataset.DatasetException;
import io.tuneforge.trainer.data.Example;
import io.tuneforge.trainer.data.ExampleKind;
import io.tuneforge.trainer.data.PreferencePair;
import io.tuneforge.trainer.data.TokenizedSample;
import io.tuneforge.trainer.template.ChatMessage;
import io.tuneforge.trainer.template.ChatTemplate;
import io.tuneforge.trainer.template.TemplateException;
import io.tuneforge.trainer.tokenizer.TextTokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Preference pairs as LLaMA-Factory's pairwise processor encodes them: the prompt conversation followed by the chosen
 * answer and by the rejected answer, each rendered with the chat template ({@link ConversationEncoder}), labels only on
 * the final answer (earlier assistant turns of the prompt are context). The prompt tokens are those of the chosen
 * render; each answer is what follows its own prompt. Truncation is the pair's, as LLaMA-Factory's
 * {@code infer_seqlen(len(prompt), max(len(chosen), len(rejected)), cutoff_len)}: the prompt is cut to the source
 * length, both answers to the same target length, keeping their beginnings.
 */
public final class PreferenceEncoder {

    private final ConversationEncoder whole;
    private final int cutoffLen;

    public PreferenceEncoder(ChatTemplate template, TextTokenizer tokenizer, EncodingOptions options) {
        this.whole = new ConversationEncoder(template, tokenizer,
                options.withCutoff(Integer.MAX_VALUE).withTrainOnPrompt(false).withPacking(false));
        this.cutoffLen = options.cutoffLen();
    }

    /** The encoded pair; empty when an answer has no token left after truncation. */
    public Optional<PreferencePair> encode(Example example) {
        if (example.kind() != ExampleKind.PREFERENCE) {
            throw new DatasetException("a " + example.kind().name().toLowerCase(java.util.Locale.ROOT)
                    + " row has no chosen/rejected answers: preference training (stage dpo) needs pairs");
        }
        List<ChatMessage> prompt = example.messages().stream().map(PreferenceEncoder::asContext).toList();
        TokenizedSample chosen = withAnswer(prompt, example, example.chosen().orElseThrow());
        TokenizedSample rejected = withAnswer(prompt, example, example.rejected().orElseThrow());
        int promptLength = firstCounted(chosen);
        int[] promptIds = Arrays.copyOf(chosen.inputIds(), promptLength);
        int[] chosenIds = Arrays.copyOfRange(chosen.inputIds(), promptLength, chosen.length());
        int[] rejectedIds = Arrays.copyOfRange(rejected.inputIds(), firstCounted(rejected), rejected.length());
        int[] lengths = ConversationEncoder.inferSeqLen(promptIds.length,
                Math.max(chosenIds.length, rejectedIds.length), cutoffLen);
        int[] keptPrompt = Arrays.copyOf(promptIds, lengths[0]);
        int[] keptChosen = Arrays.copyOf(chosenIds, Math.min(lengths[1], chosenIds.length));
        int[] keptRejected = Arrays.copyOf(rejectedIds, Math.min(lengths[1], rejectedIds.length));
        if (keptChosen.length == 0 || keptRejected.length == 0) {
            return Optional.empty();
        }
        return Optional.of(new PreferencePair(joined(keptPrompt, keptChosen), joined(keptPrompt, keptRejected)));
    }

    /**
     * The prompt conversation followed by one answer, truncated as LLaMA-Factory's feedback (KTO) processor does:
     * {@code infer_seqlen(len(prompt), len(answer), cutoff_len)}; earlier assistant turns are context. Empty when no
     * answer token is left.
     */
    Optional<TokenizedSample> encodeOne(List<ChatMessage> promptMessages, List<Map<String, Object>> tools,
            ChatMessage answer) {
        List<ChatMessage> prompt = promptMessages.stream().map(PreferenceEncoder::asContext).toList();
        TokenizedSample whole = withAnswer(prompt, Example.chat(List.of(), tools), answer);
        int promptLength = firstCounted(whole);
        int[] promptIds = Arrays.copyOf(whole.inputIds(), promptLength);
        int[] answerIds = Arrays.copyOfRange(whole.inputIds(), promptLength, whole.length());
        int[] lengths = ConversationEncoder.inferSeqLen(promptIds.length, answerIds.length, cutoffLen);
        int[] keptAnswer = Arrays.copyOf(answerIds, Math.min(lengths[1], answerIds.length));
        if (keptAnswer.length == 0) {
            return Optional.empty();
        }
        return Optional.of(joined(Arrays.copyOf(promptIds, lengths[0]), keptAnswer));
    }

    /** Encodes every example, naming the example that fails; pairs without answer tokens are left out. */
    public List<PreferencePair> encodeAll(List<Example> examples) {
        List<PreferencePair> pairs = new ArrayList<>(examples.size());
        for (int i = 0; i < examples.size(); i++) {
            try {
                encode(examples.get(i)).ifPresent(pairs::add);
            } catch (TemplateException | DatasetException e) {
                throw new DatasetException("example " + i + " cannot be encoded: " + e.getMessage(), e);
            }
        }
        return pairs;
    }

    private TokenizedSample withAnswer(List<ChatMessage> prompt, Example example, ChatMessage answer) {
        List<ChatMessage> messages = new ArrayList<>(prompt);
        messages.add(answer);
        TokenizedSample sample = whole.encode(Example.chat(messages, example.tools())).sample();
        if (sample.targetTokens() == 0) {
            throw new DatasetException("the answer '" + abbreviated(answer.content())
                    + "' could not be located in the rendered conversation");
        }
        return sample;
    }

    /** An earlier assistant turn is context: it gets loss weight 0. */
    private static ChatMessage asContext(ChatMessage message) {
        if (!message.role().equals("assistant")) {
            return message;
        }
        Map<String, Object> extra = new LinkedHashMap<>(message.extra());
        extra.put("loss_weight", 0);
        return new ChatMessage(message.role(), message.content(), extra);
    }

    private static int firstCounted(TokenizedSample sample) {
        int i = 0;
        while (i < sample.length() && sample.labels()[i] == TokenizedSample.IGNORE_INDEX) {
            i++;
        }
        return i;
    }

    private static TokenizedSample joined(int[] prompt, int[] answer) {
        int[] ids = Arrays.copyOf(prompt, prompt.length + answer.length);
        System.arraycopy(answer, 0, ids, prompt.length, answer.length);
        int[] labels = new int[ids.length];
        Arrays.fill(labels, 0, prompt.length, TokenizedSample.IGNORE_INDEX);
        System.arraycopy(answer, 0, labels, prompt.length, answer.length);
        return new TokenizedSample(ids, labels);
    }

    private static String abbreviated(String text) {
        return text.length() <= 40 ? text : text.substring(0, 40) + "…";
    }
}
