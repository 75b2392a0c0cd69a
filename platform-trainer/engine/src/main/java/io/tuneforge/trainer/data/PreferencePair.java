package io.tuneforge.trainer.data;

/**
 * One preference pair after templating and tokenization: the same prompt followed by the chosen and by the rejected
 * answer, labels only on the answer (LLaMA-Factory's pairwise processor: {@code prompt + chosen},
 * {@code prompt + rejected}).
 *
 * @param chosen   prompt + preferred answer; labels {@link TokenizedSample#IGNORE_INDEX} on the prompt
 * @param rejected prompt + dispreferred answer; labels likewise
 */
public record PreferencePair(TokenizedSample chosen, TokenizedSample rejected) implements TrainingPair {

    /** Input tokens of both sequences. */
    public int length() {
        return chosen.length() + rejected.length();
    }

    @Override
    public TokenizedSample first() {
        return chosen;
    }

    @Override
    public TokenizedSample second() {
        return rejected;
    }
}
