package io.tuneforge.trainer.generate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import io.tuneforge.trainer.model.CausalLanguageModel;
import io.tuneforge.trainer.model.GradMode;
import io.tuneforge.trainer.model.KvCache;
import io.tuneforge.trainer.tokenizer.IncrementalDecoder;
import io.tuneforge.trainer.tokenizer.TextTokenizer;

import java.util.Arrays;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * Autoregressive generation with a KV cache: the prompt is run once (prefill), then one token per step attends to
 * the cache. Text is streamed as it becomes safe to show: complete characters, and never a piece that could still
 * turn out to be the start of a stop string.
 */
public final class Generator {

    private final CausalLanguageModel model;
    private final TextTokenizer tokenizer;

    public Generator(CausalLanguageModel model, TextTokenizer tokenizer) {
        this.model = model;
        this.tokenizer = tokenizer;
    }

    /** Generates from a text prompt (BOS added when the tokenizer config asks for it). */
    public GenerationResult generate(String prompt, GenerationConfig config, TextStream stream) {
        return generate(tokenizer.encodeWithBos(prompt), config, stream, () -> false);
    }

    /**
     * Generates a continuation of {@code promptIds}.
     *
     * @param cancelled checked between tokens; true ends generation with {@link StopReason#CANCELLED}
     */
    public GenerationResult generate(int[] promptIds, GenerationConfig config, TextStream stream,
                                     BooleanSupplier cancelled) {
        try (GradMode off = GradMode.disabled()) {
            return generateWithAutogradOff(promptIds, config, stream, cancelled);
        }
    }

    private GenerationResult generateWithAutogradOff(int[] promptIds, GenerationConfig config, TextStream stream,
                                                     BooleanSupplier cancelled) {
        if (promptIds.length == 0) {
            throw new IllegalArgumentException("the prompt has no tokens and the tokenizer adds no BOS: give a prompt");
        }
        Sampler sampler = new Sampler(config);
        int[] history = Arrays.copyOf(promptIds, promptIds.length + config.maxNewTokens());
        int length = promptIds.length;
        IncrementalDecoder decoder = new IncrementalDecoder(tokenizer);
        StopStringFilter filter = new StopStringFilter(config.stopStrings(), stream);
        StopReason reason = StopReason.MAX_TOKENS;
        int generated = 0;
        try (KvCache cache = model.newCache()) {
            int[] feed = promptIds;
            while (generated < config.maxNewTokens()) {
                if (cancelled.getAsBoolean()) {
                    reason = StopReason.CANCELLED;
                    break;
                }
                float[] logits = nextLogits(feed, cache);
                int next = sampler.next(logits, history, length);
                if (config.isStopToken(next, tokenizer.specialTokens()::isEos)) {
                    reason = StopReason.EOS;
                    break;
                }
                history[length++] = next;
                generated++;
                if (filter.accept(decoder.add(next))) {
                    reason = StopReason.STOP_STRING;
                    break;
                }
                feed = new int[] {next};
            }
        }
        if (reason != StopReason.STOP_STRING) {
            filter.accept(decoder.flush());
            filter.finish();
        }
        int[] ids = Arrays.copyOfRange(history, promptIds.length, length);
        return new GenerationResult(ids, filter.text(), reason);
    }

    /** Runs {@code ids} through the model with the cache and returns the logits of the last position. */
    private float[] nextLogits(int[] ids, KvCache cache) {
        try (NDManager step = model.manager().newSubManager()) {
            long[] longs = new long[ids.length];
            for (int i = 0; i < ids.length; i++) {
                longs[i] = ids[i];
            }
            NDArray input = step.create(longs, new Shape(1, ids.length));                    // (1, T)
            NDArray hidden = model.hiddenStates(step, input, false, cache);                 // (1, T, C)
            NDArray last = hidden.get(new NDIndex(":, -1:, :"));                            // (1, 1, C)
            last.attach(step);
            return model.logits(step, last).toFloatArray();                                 // (V)
        }
    }

    /** Holds back text that may be the start of a stop string; cuts the output at the first stop string. */
    static final class StopStringFilter {
        private final List<String> stops;
        private final TextStream stream;
        private final StringBuilder text = new StringBuilder();
        private int emitted;

        StopStringFilter(List<String> stops, TextStream stream) {
            this.stops = stops;
            this.stream = stream;
        }

        /** Adds a decoded piece; returns true when a stop string is complete (the text is then cut before it). */
        boolean accept(String piece) {
            if (piece.isEmpty()) {
                return false;
            }
            int searchFrom = Math.max(0, text.length() - longestStop());
            text.append(piece);
            int cut = -1;
            for (String stop : stops) {
                int at = text.indexOf(stop, searchFrom);
                if (at >= 0 && (cut < 0 || at < cut)) {
                    cut = at;
                }
            }
            if (cut >= 0) {
                text.setLength(cut);
                emitUpTo(cut);
                return true;
            }
            emitUpTo(text.length() - heldBack());
            return false;
        }

        void finish() {
            emitUpTo(text.length());
        }

        String text() {
            return text.toString();
        }

        private void emitUpTo(int end) {
            if (end > emitted) {
                stream.onText(text.substring(emitted, end));
                emitted = end;
            }
        }

        private int longestStop() {
            int max = 0;
            for (String s : stops) {
                max = Math.max(max, s.length());
            }
            return max;
        }

        /** Length of the longest suffix of the text that is a proper prefix of a stop string. */
        private int heldBack() {
            int held = 0;
            for (String stop : stops) {
                for (int k = Math.min(stop.length() - 1, text.length()); k > held; k--) {
                    if (text.substring(text.length() - k).equals(stop.substring(0, k))) {
                        held = k;
                        break;
                    }
                }
            }
            return held;
        }
    }
}
