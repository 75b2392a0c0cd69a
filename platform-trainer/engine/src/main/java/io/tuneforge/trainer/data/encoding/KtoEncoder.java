package io.tuneforge.trainer.data.encoding;

import io.tuneforge.shared.dataset.DatasetException;
import io.tuneforge.trainer.data.Example;
import io.tuneforge.trainer.data.ExampleKind;
import io.tuneforge.trainer.data.KtoExample;
import io.tuneforge.trainer.data.TokenizedSample;
import io.tuneforge.trainer.template.ChatMessage;
import io.tuneforge.trainer.template.ChatTemplate;
import io.tuneforge.trainer.template.TemplateException;
import io.tuneforge.trainer.tokenizer.TextTokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * KTO examples as LLaMA-Factory's {@code FeedbackDatasetProcessor} encodes them: each row's prompt (every turn but the
 * last) with its own answer (the last assistant turn), and the same prompt with the answer of the row before it in
 * the same block of {@value #BLOCK} rows (the first row of a block takes the block's last answer: LLaMA-Factory's
 * {@code [response[-1]] + response[:-1]} over a {@code preprocessing_batch_size} map batch, TRL's
 * {@code KL_completion_ids}). Each sequence is rendered with the chat template and truncated on its own
 * ({@code infer_seqlen(len(prompt), len(answer), cutoff_len)}); labels only on the answer.
 */
public final class KtoEncoder {

    /** LLaMA-Factory's default {@code preprocessing_batch_size}: the rows among which answers are rotated. */
    public static final int BLOCK = 1000;

    private final PreferenceEncoder encoder;

    public KtoEncoder(ChatTemplate template, TextTokenizer tokenizer, EncodingOptions options) {
        this.encoder = new PreferenceEncoder(template, tokenizer, options);
    }

    /**
     * Encodes rows in order, naming the row that fails; a row whose answer keeps no token after truncation is left
     * out (its answer still serves as its neighbour's mismatched answer, as in LLaMA-Factory).
     *
     * @throws DatasetException for a row without a {@code kto_tag} or whose last turn is not an answer
     */
    public List<KtoExample> encodeAll(List<Example> examples) {
        List<KtoExample> out = new ArrayList<>(examples.size());
        for (int i = 0; i < examples.size(); i++) {
            Example example = examples.get(i);
            int blockStart = i - i % BLOCK;
            int blockEnd = Math.min(examples.size(), blockStart + BLOCK);
            int previous = i == blockStart ? blockEnd - 1 : i - 1;
            try {
                encode(example, answer(examples.get(previous), previous)).ifPresent(out::add);
            } catch (TemplateException | DatasetException e) {
                throw new DatasetException("example " + i + " cannot be encoded: " + e.getMessage(), e);
            }
        }
        return out;
    }

    /** One example with the given mismatched answer; empty when either answer keeps no token. */
    Optional<KtoExample> encode(Example example, ChatMessage mismatchedAnswer) {
        boolean desirable = desirable(example);
        List<ChatMessage> prompt = example.messages().subList(0, example.messages().size() - 1);
        ChatMessage answer = example.messages().getLast();
        Optional<TokenizedSample> completion = encoder.encodeOne(prompt, example.tools(), answer);
        Optional<TokenizedSample> mismatched = encoder.encodeOne(prompt, example.tools(), mismatchedAnswer);
        if (completion.isEmpty() || mismatched.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new KtoExample(completion.get(), mismatched.get(), desirable));
    }

    /** The {@code kto_tag} of a row: its label {@code true} or {@code false}. */
    public static boolean desirable(Example example) {
        String tag = example.label().orElseThrow(() -> new DatasetException("the row has no kto_tag: stage kto "
                + "trains on rows with a boolean kto_tag column (desirable true, undesirable false), mapped in "
                + "dataset_info.json columns as \"kto_tag\""));
        if (example.kind() != ExampleKind.CHAT || !(tag.equals("true") || tag.equals("false"))) {
            throw new DatasetException("the row is not a conversation with a kto_tag true/false (found a "
                    + example.kind().name().toLowerCase(java.util.Locale.ROOT) + " row labelled '" + tag + "')");
        }
        return Boolean.parseBoolean(tag);
    }

    private static ChatMessage answer(Example example, int index) {
        if (example.messages().isEmpty() || !example.messages().getLast().role().equals("assistant")) {
            throw new DatasetException("example " + index + " does not end with an answer (assistant turn)");
        }
        return example.messages().getLast();
    }
}
