package io.tuneforge.trainer.evaluation;

import io.tuneforge.trainer.template.ChatMessage;
import java.util.List;

/**
 * One held-out row: the conversation up to the answer, and the reference answer.
 *
 * @param prompt the messages before the answer (system, history, the last user turn)
 * @param label  the reference assistant answer
 */
public record EvalExample(List<ChatMessage> prompt, String label) {

    public EvalExample {
        prompt = List.copyOf(prompt);
    }
}
