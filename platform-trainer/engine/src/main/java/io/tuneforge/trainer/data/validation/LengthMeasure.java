package io.tuneforge.trainer.data.validation;

import io.tuneforge.trainer.data.Example;

/** How the length of a row is measured for the cutoff check: characters, or tokens when a tokenizer is given. */
public interface LengthMeasure {

    /** The unit in words: {@code characters} or {@code tokens}. */
    String unit();

    int measure(Example example);

    /** Unicode code points of all message texts (used when no tokenizer is given). */
    static LengthMeasure characters() {
        return new LengthMeasure() {
            @Override
            public String unit() {
                return "characters";
            }

            @Override
            public int measure(Example example) {
                return example.characterCount();
            }
        };
    }
}
