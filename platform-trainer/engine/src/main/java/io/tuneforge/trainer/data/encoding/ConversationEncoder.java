package io.tuneforge.trainer.data.encoding;

import io.tuneforge.shared.dataset.DatasetException;
import io.tuneforge.trainer.data.Example;
import io.tuneforge.trainer.data.ExampleKind;
import io.tuneforge.trainer.data.TokenizedSample;
import io.tuneforge.trainer.template.ChatMessage;
import io.tuneforge.trainer.template.ChatTemplate;
import io.tuneforge.trainer.template.TemplateException;
import io.tuneforge.trainer.tokenizer.TextTokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns examples into {@link TokenizedSample}s with per-turn label masks.
 *
 * <h2>What is trained</h2>
 * The whole conversation is rendered once with the chat template and tokenized once (BOS added only when the
 * tokenizer config asks for it and the template did not already write it), so the model sees exactly the tokens it
 * is served with. Each assistant turn's span is found by rendering prefixes: the text of the conversation up to the
 * turn with the generation prompt ({@code P}) and up to and including the turn ({@code F}); the span is
 * {@code F} minus {@code P}: the response plus the template's own end-of-turn text (for the built-in templates that
 * is the EOS, e.g. {@code </s>} or {@code <|im_end|>}), cut after the first end-of-turn marker of the template
 * ({@link ChatTemplate#stopStrings()}) that follows the content, so text a template writes after it (a newline, the
 * next header; the Llama 3 template even appends the assistant header unconditionally) does not train. Every
 * assistant turn trains (multi-turn), except turns with
 * {@code loss_weight: 0}; with {@code train_on_prompt} every token trains. Token boundaries are the longest common
 * prefix of the tokenization of the rendered prefix and of the full text.
 *
 * <h2>Templates whose history differs</h2>
 * Some templates render an earlier assistant turn differently from the last one (Qwen3 drops earlier
 * {@code <think>} blocks). Then {@code F} is not a prefix of the full render; the turn's span is located by
 * searching its content in the full render after the previous span, extended by the end-of-turn text that follows
 * the content in {@code F}. A turn that cannot be located this way is left untrained and counted
 * ({@link EncodedExample#untrainedTurns()}).
 *
 * <h2>Truncation at the cutoff</h2>
 * LLaMA-Factory's policy ({@code infer_seqlen}): the sequence is cut into (prompt, response) pairs, consumed in order
 * while budget remains; for each pair, if the response is under half the remaining budget only the prompt is cut,
 * else if the prompt is under half only the response is cut, else both are cut in proportion to their lengths.
 * Prompts and responses keep their beginning. Later turns that no longer fit are dropped.
 *
 * <h2>Text and preference examples</h2>
 * Plain text (pre-training) is not templated: BOS (as configured) + text + EOS, all trained, cut at the cutoff.
 * Preference pairs are refused: they are for preference training.
 */
public final class ConversationEncoder {

    private final ChatTemplate template;
    private final TextTokenizer tokenizer;
    private final EncodingOptions options;

    public ConversationEncoder(ChatTemplate template, TextTokenizer tokenizer, EncodingOptions options) {
        this.template = template;
        this.tokenizer = tokenizer;
        this.options = options;
    }

    public EncodingOptions options() {
        return options;
    }

    /** Encodes one example; {@link TemplateException} or {@link DatasetException} when it cannot be. */
    public EncodedExample encode(Example example) {
        return switch (example.kind()) {
            case TEXT -> encodeText(example.messages().getFirst().content());
            case PREFERENCE -> throw new DatasetException("preference pairs (chosen/rejected) are for preference "
                    + "training (DPO), which this command does not run; use supervised data");
            case CHAT, CLASSIFICATION -> encodeConversation(example);
        };
    }

    /** Encodes every example (then packs when asked), naming the example that fails. */
    public EncodedDataset encodeAll(List<Example> examples) {
        return encodeAll(examples, (index, encoded) -> { });
    }

    /** Receives each example as it is encoded (a preview keeps the first few with their text segments). */
    @FunctionalInterface
    public interface EncodedListener {
        /** Called once per example, in order; {@code index} counts from 0. */
        void encoded(int index, EncodedExample encoded);
    }

    /** As {@link #encodeAll(List)}, telling {@code listener} about each example before it is reduced to tokens. */
    public EncodedDataset encodeAll(List<Example> examples, EncodedListener listener) {
        List<TokenizedSample> samples = new ArrayList<>(examples.size());
        int[] lengths = new int[examples.size()];
        int truncated = 0;
        int untrained = 0;
        for (int i = 0; i < examples.size(); i++) {
            EncodedExample encoded;
            try {
                encoded = encode(examples.get(i));
            } catch (TemplateException | DatasetException e) {
                throw new DatasetException("example " + i + " cannot be encoded: " + e.getMessage(), e);
            }
            listener.encoded(i, encoded);
            lengths[i] = encoded.fullLength();
            truncated += encoded.truncated() ? 1 : 0;
            untrained += encoded.untrainedTurns();
            if (encoded.sample().targetTokens() > 0) {
                samples.add(encoded.sample());
            }
        }
        int withoutTargets = examples.size() - samples.size();
        List<TokenizedSample> out = options.packing() ? SamplePacker.pack(samples, options.cutoffLen()) : samples;
        return new EncodedDataset(out, new EncodingStats(examples.size(), truncated, untrained, withoutTargets, lengths));
    }

    private EncodedExample encodeText(String text) {
        int[] body = tokenizer.encodeWithBos(text);
        int eos = tokenizer.specialTokens().eosIds().isEmpty() ? -1 : tokenizer.specialTokens().eosIds().getFirst();
        int[] ids = eos < 0 ? body : Arrays.copyOf(body, body.length + 1);
        if (eos >= 0) {
            ids[body.length] = eos;
        }
        int full = ids.length;
        if (ids.length > options.cutoffLen()) {
            ids = Arrays.copyOf(ids, options.cutoffLen());
        }
        return new EncodedExample(new TokenizedSample(ids, ids.clone()), List.of(new Segment(text, true)), full,
                full > options.cutoffLen(), 0);
    }

    private EncodedExample encodeConversation(Example example) {
        List<ChatMessage> messages = example.messages();
        Map<String, Object> variables = options.templateVariables();
        String full = template.render(messages, example.tools(), false, variables);
        List<int[]> spans = new ArrayList<>();   // char ranges [start, end) of trained assistant turns
        int untrained = 0;
        int previousEnd = 0;
        for (int k = 0; k < messages.size(); k++) {
            ChatMessage message = messages.get(k);
            if (!message.role().equals("assistant")) {
                continue;
            }
            int[] span = locate(messages.subList(0, k), messages.subList(0, k + 1), message, example, full,
                    previousEnd, variables);
            if (span == null) {
                untrained++;
                continue;
            }
            previousEnd = span[1];
            if (!isZeroWeight(message)) {
                spans.add(span);
            }
        }
        return tokenize(full, spans, untrained);
    }

    /** The char span of an assistant turn in the full render, or null when it cannot be located. */
    private int[] locate(List<ChatMessage> before, List<ChatMessage> through, ChatMessage message, Example example,
            String full, int previousEnd, Map<String, Object> variables) {
        String prefix = template.render(before, example.tools(), true, variables);
        String withTurn = template.render(through, example.tools(), false, variables);
        String content = message.content().strip();
        if (withTurn.startsWith(prefix) && prefix.length() >= previousEnd) {
            int start = prefix.length();
            int end = turnEnd(withTurn, start, content);
            if (end > start && full.startsWith(withTurn.substring(0, end))) {
                return new int[] {start, end};
            }
        }
        // The template renders this turn differently once it is history: find its content in the full render.
        for (String candidate : historyForms(content)) {
            int at = full.indexOf(candidate, previousEnd);
            if (at >= 0) {
                return new int[] {at, turnEnd(full, at, candidate)};
            }
        }
        return null;
    }

    /** How a turn's content may appear as history: as is, or without a leading reasoning block (Qwen3). */
    private static List<String> historyForms(String content) {
        if (content.isEmpty()) {
            return List.of();
        }
        int think = content.lastIndexOf("</think>");
        if (think < 0) {
            return List.of(content);
        }
        String answer = content.substring(think + "</think>".length()).strip();
        return answer.isEmpty() ? List.of(content) : List.of(content, answer);
    }

    /**
     * Where an assistant turn that starts at {@code from} ends: after its content (when found) and the first
     * end-of-turn marker of the template ({@link ChatTemplate#stopStrings()}) that follows; text the template writes
     * after that marker (a newline, the next header) is not part of the turn.
     */
    private int turnEnd(String text, int from, String content) {
        int after = from;
        boolean found = false;
        if (!content.isEmpty()) {
            int at = text.indexOf(content, from);
            if (at >= 0) {
                after = at + content.length();
                found = true;
            }
        }
        int best = -1;
        int bestLength = 0;
        for (String stop : template.stopStrings()) {
            int at = stop.isEmpty() ? -1 : text.indexOf(stop, after);
            if (at >= 0 && (best < 0 || at < best)) {
                best = at;
                bestLength = stop.length();
            }
        }
        if (best >= 0) {
            return best + bestLength;
        }
        return found ? after : text.length();
    }

    private static boolean isZeroWeight(ChatMessage message) {
        Object weight = message.extra().get("loss_weight");
        return weight instanceof Number n && n.doubleValue() == 0.0;
    }

    /** Tokenizes the full text once and maps the char spans to token ranges, then labels and truncates. */
    private EncodedExample tokenize(String full, List<int[]> spans, int untrained) {
        int[] ids = tokenizer.encodeWithBos(full);
        Map<Integer, Integer> tokenAt = new HashMap<>();
        List<int[]> tokenSpans = new ArrayList<>();
        for (int[] span : spans) {
            int start = tokenBoundary(full, span[0], ids, tokenAt);
            int end = tokenBoundary(full, span[1], ids, tokenAt);
            if (end > start) {
                tokenSpans.add(new int[] {start, end});
            }
        }
        List<Segment> segments = segments(full, spans);
        TokenizedSample sample = truncate(ids, tokenSpans);
        return new EncodedExample(sample, segments, ids.length, ids.length > options.cutoffLen(), untrained);
    }

    /** Number of leading tokens of {@code ids} that belong to {@code full[0, charIndex)}. */
    private int tokenBoundary(String full, int charIndex, int[] ids, Map<Integer, Integer> cache) {
        if (charIndex >= full.length()) {
            return ids.length;
        }
        if (charIndex == 0) {
            return 0;
        }
        return cache.computeIfAbsent(charIndex, c -> {
            int[] prefix = tokenizer.encodeWithBos(full.substring(0, c));
            int n = 0;
            int max = Math.min(prefix.length, ids.length);
            while (n < max && prefix[n] == ids[n]) {
                n++;
            }
            return n;
        });
    }

    private List<Segment> segments(String full, List<int[]> spans) {
        List<Segment> segments = new ArrayList<>();
        if (options.trainOnPrompt()) {
            segments.add(new Segment(full, true));
            return segments;
        }
        int at = 0;
        for (int[] span : spans) {
            if (span[0] > at) {
                segments.add(new Segment(full.substring(at, span[0]), false));
            }
            segments.add(new Segment(full.substring(span[0], span[1]), true));
            at = span[1];
        }
        if (at < full.length()) {
            segments.add(new Segment(full.substring(at), false));
        }
        return segments;
    }

    /** Labels by span, cut to the cutoff with LLaMA-Factory's per-pair policy (see the class comment). */
    private TokenizedSample truncate(int[] ids, List<int[]> tokenSpans) {
        int cutoff = options.cutoffLen();
        if (ids.length <= cutoff) {
            return new TokenizedSample(ids, labels(ids, 0, ids.length, tokenSpans));
        }
        int[] outIds = new int[cutoff];
        int[] outLabels = new int[cutoff];
        int total = 0;
        int sourceStart = 0;
        List<int[]> pairs = new ArrayList<>(tokenSpans);
        pairs.add(new int[] {ids.length, ids.length});   // trailing prompt text, if any, as a last pair
        for (int[] span : pairs) {
            if (total >= cutoff) {
                break;
            }
            int sourceLength = span[0] - sourceStart;
            int targetLength = span[1] - span[0];
            int[] lengths = inferSeqLen(sourceLength, targetLength, cutoff - total);
            for (int i = 0; i < lengths[0]; i++) {
                outIds[total] = ids[sourceStart + i];
                outLabels[total++] = options.trainOnPrompt() ? ids[sourceStart + i] : TokenizedSample.IGNORE_INDEX;
            }
            for (int i = 0; i < lengths[1]; i++) {
                outIds[total] = ids[span[0] + i];
                outLabels[total++] = ids[span[0] + i];
            }
            sourceStart = span[1];
        }
        return new TokenizedSample(Arrays.copyOf(outIds, total), Arrays.copyOf(outLabels, total));
    }

    private int[] labels(int[] ids, int from, int to, List<int[]> tokenSpans) {
        int[] labels = new int[to - from];
        if (options.trainOnPrompt()) {
            System.arraycopy(ids, from, labels, 0, labels.length);
            return labels;
        }
        Arrays.fill(labels, TokenizedSample.IGNORE_INDEX);
        for (int[] span : tokenSpans) {
            for (int i = Math.max(span[0], from); i < Math.min(span[1], to); i++) {
                labels[i - from] = ids[i];
            }
        }
        return labels;
    }

    /** LLaMA-Factory's {@code infer_seqlen}: new (source, target) lengths within {@code cutoff}. */
    static int[] inferSeqLen(int sourceLength, int targetLength, int cutoff) {
        int maxTarget;
        if (targetLength * 2 < cutoff) {
            maxTarget = cutoff;
        } else if (sourceLength * 2 < cutoff) {
            maxTarget = cutoff - sourceLength;
        } else {
            maxTarget = (int) (cutoff * ((double) targetLength / (sourceLength + targetLength)));
        }
        int newTarget = Math.min(maxTarget, targetLength);
        int maxSource = Math.max(cutoff - newTarget, 0);
        int newSource = Math.min(maxSource, sourceLength);
        return new int[] {newSource, newTarget};
    }

    /** True when an example's kind can be encoded for supervised training. */
    public static boolean supports(ExampleKind kind) {
        return kind != ExampleKind.PREFERENCE;
    }
}
