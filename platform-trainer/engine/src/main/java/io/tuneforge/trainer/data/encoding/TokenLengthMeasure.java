package io.tuneforge.trainer.data.encoding;

import io.tuneforge.trainer.data.Example;
import io.tuneforge.trainer.data.validation.LengthMeasure;

/** Measures rows in tokens (template applied) for the validator's cutoff check. */
public final class TokenLengthMeasure implements LengthMeasure {

    private final ConversationEncoder encoder;

    public TokenLengthMeasure(ConversationEncoder encoder) {
        this.encoder = encoder;
    }

    @Override
    public String unit() {
        return "tokens";
    }

    @Override
    public int measure(Example example) {
        return encoder.encode(example).fullLength();
    }
}
