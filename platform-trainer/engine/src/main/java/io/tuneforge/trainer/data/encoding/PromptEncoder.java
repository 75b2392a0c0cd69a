package io.tuneforge.trainer.data.encoding;

import io.tuneforge.shared.dataset.DatasetException;
import io.tuneforge.trainer.data.Example;
import io.tuneforge.trainer.data.ExampleKind;
import io.tuneforge.trainer.data.TokenizedSample;
import io.tuneforge.trainer.template.ChatMessage;
import io.tuneforge.trainer.template.ChatTemplate;
import io.tuneforge.trainer.tokenizer.TextTokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Prompts for PPO's rollouts (LLaMA-Factory's unsupervised processor): each conversation without its final answer,
 * rendered with the chat template up to where the answer would start, cut to {@code cutoff_len} tokens as the
 * prompt of a pair.
 */
public final class PromptEncoder {

    private final PreferenceEncoder encoder;

    public PromptEncoder(ChatTemplate template, TextTokenizer tokenizer, EncodingOptions options) {
        this.encoder = new PreferenceEncoder(template, tokenizer, options);
    }

    /** The prompt token ids of every conversation (its last turn, the answer, is left out). */
    public List<int[]> encodeAll(List<Example> examples) {
        List<int[]> prompts = new ArrayList<>();
        for (int i = 0; i < examples.size(); i++) {
            Example e = examples.get(i);
            if (e.kind() != ExampleKind.CHAT || e.messages().isEmpty()
                    || !e.messages().getLast().role().equals("assistant")) {
                throw new DatasetException("example " + i + " is not a conversation ending with an answer: stage ppo "
                        + "takes its prompts from supervised (prompt/answer) rows");
            }
            List<ChatMessage> prompt = e.messages().subList(0, e.messages().size() - 1);
            encoder.encodeOne(prompt, e.tools(), e.messages().getLast()).ifPresent(s -> prompts.add(promptOf(s)));
        }
        return prompts;
    }

    private static int[] promptOf(TokenizedSample sample) {
        int n = 0;
        while (n < sample.length() && sample.labels()[n] == TokenizedSample.IGNORE_INDEX) {
            n++;
        }
        return Arrays.copyOf(sample.inputIds(), n);
    }
}
