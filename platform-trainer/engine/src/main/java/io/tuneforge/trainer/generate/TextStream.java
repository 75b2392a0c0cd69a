package io.tuneforge.trainer.generate;

/** Receives generated text piece by piece as it is decoded (never a broken character, never part of a stop string). */
@FunctionalInterface
public interface TextStream {

    /** A new piece of generated text. */
    void onText(String piece);

    /** A stream that ignores the pieces. */
    static TextStream ignore() {
        return piece -> {
        };
    }
}
