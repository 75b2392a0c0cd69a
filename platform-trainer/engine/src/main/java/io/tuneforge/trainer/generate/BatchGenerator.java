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
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * Generation for several prompts at once with one KV cache: the prompts are left-padded to one length and run
 * together (prefill), then every step feeds one token per unfinished row. Each row keeps its own sampler, history,
 * decoder and stop-string filter, so a row's answer is the one {@link Generator} gives it alone; rows that finish
 * leave the batch (their cache rows are dropped), so a long answer does not keep short ones computing.
 */
public final class BatchGenerator {

    private final CausalLanguageModel model;
    private final TextTokenizer tokenizer;

    public BatchGenerator(CausalLanguageModel model, TextTokenizer tokenizer) {
        this.model = model;
        this.tokenizer = tokenizer;
    }

    /** Generates from text prompts (BOS added when the tokenizer config asks for it); results in prompt order. */
    public List<GenerationResult> generate(List<String> prompts, GenerationConfig config) {
        List<int[]> ids = new ArrayList<>();
        for (String prompt : prompts) {
            ids.add(tokenizer.encodeWithBos(prompt));
        }
        return generateIds(ids, config, () -> false);
    }

    /**
     * Generates a continuation of every prompt.
     *
     * @param cancelled checked between steps; true ends every unfinished row with {@link StopReason#CANCELLED}
     */
    public List<GenerationResult> generateIds(List<int[]> prompts, GenerationConfig config,
            BooleanSupplier cancelled) {
        if (prompts.isEmpty()) {
            return List.of();
        }
        for (int[] prompt : prompts) {
            if (prompt.length == 0) {
                throw new IllegalArgumentException(
                        "a prompt has no tokens and the tokenizer adds no BOS: give a prompt");
            }
        }
        try (GradMode off = GradMode.disabled()) {
            return generateWithAutogradOff(prompts, config, cancelled);
        }
    }

    private List<GenerationResult> generateWithAutogradOff(List<int[]> prompts, GenerationConfig config,
            BooleanSupplier cancelled) {
        List<Row> rows = new ArrayList<>();
        for (int[] prompt : prompts) {
            rows.add(new Row(prompt, config, tokenizer));
        }
        int width = prompts.stream().mapToInt(p -> p.length).max().orElseThrow();
        List<Row> active = new ArrayList<>(rows);
        int[] leftPadding = new int[rows.size()];
        long[][] feed = new long[rows.size()][];
        for (int b = 0; b < rows.size(); b++) {
            leftPadding[b] = width - prompts.get(b).length;
            feed[b] = leftPadded(prompts.get(b), width);
        }
        try (KvCache cache = model.newCache()) {
            for (int generated = 0; generated < config.maxNewTokens() && !active.isEmpty(); generated++) {
                if (cancelled.getAsBoolean()) {
                    active.forEach(row -> row.end(StopReason.CANCELLED));
                    break;
                }
                float[][] logits = nextLogits(feed, cache, leftPadding);
                int[] unfinished = unfinishedAfterStep(active, logits);
                if (unfinished.length < active.size() && unfinished.length > 0) {
                    cache.keepRows(unfinished);
                }
                List<Row> next = new ArrayList<>();
                int[] nextPadding = new int[unfinished.length];
                feed = new long[unfinished.length][];
                for (int k = 0; k < unfinished.length; k++) {
                    Row row = active.get(unfinished[k]);
                    next.add(row);
                    nextPadding[k] = leftPadding[unfinished[k]];
                    feed[k] = new long[] {row.lastToken()};
                }
                active = next;
                leftPadding = nextPadding;
            }
        }
        active.forEach(Row::finish);
        return rows.stream().map(Row::result).toList();
    }

    /** Lets every active row take its next token; returns the batch indexes of the rows that go on. */
    private int[] unfinishedAfterStep(List<Row> active, float[][] logits) {
        List<Integer> unfinished = new ArrayList<>();
        for (int b = 0; b < active.size(); b++) {
            if (active.get(b).accept(logits[b])) {
                unfinished.add(b);
            }
        }
        return unfinished.stream().mapToInt(Integer::intValue).toArray();
    }

    /** {@code ids} preceded by padding up to {@code width} (the pad id is never attended to: any id will do). */
    private long[] leftPadded(int[] ids, int width) {
        long[] row = new long[width];
        int pad = tokenizer.specialTokens().padId().orElse(0);
        int padding = width - ids.length;
        Arrays.fill(row, 0, padding, pad);
        for (int i = 0; i < ids.length; i++) {
            row[padding + i] = ids[i];
        }
        return row;
    }

    /** Runs one step of the batch through the model with the cache; the logits of each row's last position. */
    private float[][] nextLogits(long[][] feed, KvCache cache, int[] leftPadding) {
        int b = feed.length;
        int t = feed[0].length;
        long[] flat = new long[b * t];
        for (int row = 0; row < b; row++) {
            System.arraycopy(feed[row], 0, flat, row * t, t);
        }
        try (NDManager step = model.manager().newSubManager()) {
            NDArray input = step.create(flat, new Shape(b, t));                              // (B, T)
            NDArray hidden = model.hiddenStates(step, input, cache, leftPadding);            // (B, T, C)
            NDArray last = hidden.get(new NDIndex(":, -1:, :"));                            // (B, 1, C)
            last.attach(step);
            float[] logits = model.logits(step, last).toFloatArray();                       // (B, 1, V)
            int vocab = logits.length / b;
            float[][] rows = new float[b][];
            for (int row = 0; row < b; row++) {
                rows[row] = Arrays.copyOfRange(logits, row * vocab, (row + 1) * vocab);      // (V)
            }
            return rows;
        }
    }

    /** One prompt's generation state: the same steps as {@link Generator} takes for it alone. */
    private static final class Row {
        private final int promptLength;
        private final int[] history;
        private final GenerationConfig config;
        private final TextTokenizer tokenizer;
        private final Sampler sampler;
        private final IncrementalDecoder decoder;
        private final Generator.StopStringFilter filter;
        private int length;
        private StopReason reason = StopReason.MAX_TOKENS;
        private boolean ended;

        Row(int[] prompt, GenerationConfig config, TextTokenizer tokenizer) {
            this.promptLength = prompt.length;
            this.history = Arrays.copyOf(prompt, prompt.length + config.maxNewTokens());
            this.length = prompt.length;
            this.config = config;
            this.tokenizer = tokenizer;
            this.sampler = new Sampler(config);
            this.decoder = new IncrementalDecoder(tokenizer);
            this.filter = new Generator.StopStringFilter(config.stopStrings(), text -> { });
        }

        /** Takes the next token from {@code logits} (V, modified); false when the row is done. */
        boolean accept(float[] logits) {
            int next = sampler.next(logits, history, length);
            if (config.isStopToken(next, tokenizer.specialTokens()::isEos)) {
                end(StopReason.EOS);
                return false;
            }
            history[length++] = next;
            if (filter.accept(decoder.add(next))) {
                reason = StopReason.STOP_STRING;
                ended = true;
                return false;
            }
            if (length - promptLength == config.maxNewTokens()) {
                end(StopReason.MAX_TOKENS);
                return false;
            }
            return true;
        }

        int lastToken() {
            return history[length - 1];
        }

        /** Ends the row for {@code why}: the text held back for a possible stop string is released. */
        void end(StopReason why) {
            if (ended) {
                return;
            }
            reason = why;
            ended = true;
            filter.accept(decoder.flush());
            filter.finish();
        }

        void finish() {
            end(reason);
        }

        GenerationResult result() {
            return new GenerationResult(Arrays.copyOfRange(history, promptLength, length), filter.text(), reason);
        }
    }
}
