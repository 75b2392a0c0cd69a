package io.tuneforge.trainer.template;

/**
 * One (prompt, answer) pair of a conversation as LLaMA-Factory's {@code Template.encode_multiturn} forms it, as text
 * before tokenization: the prompt is everything since the previous answer (prefix and system on the first turn),
 * the answer is what the model learns.
 *
 * @param prompt the text of the user (or observation) side, ending with the assistant header
 * @param answer the text of the assistant side, with the format's end-of-turn text
 */
public record TurnPair(String prompt, String answer) {
}
