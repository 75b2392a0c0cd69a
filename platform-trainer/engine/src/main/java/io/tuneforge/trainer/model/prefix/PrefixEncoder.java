package io.tuneforge.trainer.model.prefix;

import static io.tuneforge.trainer.model.Owned.own;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.util.LinkedHashMap;
import java.util.SequencedMap;
import java.util.SplittableRandom;

/**
 * The trained prefix, PEFT's {@code PrefixEncoder}: for P virtual tokens a (P, 2·L·token_dim) matrix whose row p holds,
 * for every layer l, the key (slot 2l) and the value (slot 2l+1) of virtual token p, each KV heads × hd:
 * <pre>
 *   plain:      prefix = embedding                                   embedding (P, 2·L·token_dim)
 *   projected:  prefix = tanh(embedding·W₀ᵀ + b₀)·W₁ᵀ + b₁           embedding (P, token_dim), W₀ (E, token_dim),
 *                                                                    W₁ (2·L·token_dim, E)
 * </pre>
 * Parameter names are PEFT's state-dict names ({@code prompt_encoder.default.embedding.weight},
 * {@code ...transform.0.weight}), so checkpoints read like PEFT's.
 */
public final class PrefixEncoder {

    /** PEFT's name of the embedding parameter. */
    public static final String EMBEDDING = "prompt_encoder.default.embedding.weight";
    private static final String TRANSFORM = "prompt_encoder.default.transform.";

    private final PrefixShape shape;
    private final int virtualTokens;
    private final NDArray embedding;     // (P, 2·L·token_dim) plain; (P, token_dim) projected
    private final NDArray w0;            // (E, token_dim) or null when plain
    private final NDArray b0;            // (E)
    private final NDArray w1;            // (2·L·token_dim, E)
    private final NDArray b1;            // (2·L·token_dim)
    private boolean enabled = true;

    private PrefixEncoder(PrefixShape shape, NDArray embedding, NDArray w0, NDArray b0, NDArray w1, NDArray b1) {
        this.shape = shape;
        this.virtualTokens = (int) embedding.getShape().get(0);
        this.embedding = embedding;
        this.w0 = w0;
        this.b0 = b0;
        this.w1 = w1;
        this.b1 = b1;
    }

    /**
     * A fresh prefix as PEFT initialises it: embedding rows N(0, 1) (torch's {@code nn.Embedding}); the MLP's linears
     * Kaiming-uniform with biases U(±1/√fan_in) (torch's {@code nn.Linear}), all drawn from {@code random}.
     */
    public static PrefixEncoder initialise(NDManager manager, PrefixShape shape, PrefixConfig config,
                                           SplittableRandom random) {
        int p = config.numVirtualTokens();
        if (!config.prefixProjection()) {
            return new PrefixEncoder(shape, gaussian(manager, random, p, shape.width()), null, null, null, null);
        }
        int e = config.encoderHiddenSize(shape);
        int d = shape.tokenDim();
        return new PrefixEncoder(shape, gaussian(manager, random, p, d),
                uniform(manager, random, 1.0 / Math.sqrt(d), e, d), uniform(manager, random, 1.0 / Math.sqrt(d), e),
                uniform(manager, random, 1.0 / Math.sqrt(e), shape.width(), e),
                uniform(manager, random, 1.0 / Math.sqrt(e), shape.width()));
    }

    /** A saved prefix (P, 2·L·token_dim) used as is (PEFT's inference form, also to continue training it). */
    public static PrefixEncoder of(PrefixShape shape, NDArray promptEmbeddings) {
        if (promptEmbeddings.getShape().dimension() != 2 || promptEmbeddings.getShape().get(1) != shape.width()) {
            throw new IllegalArgumentException("prompt_embeddings has shape " + promptEmbeddings.getShape()
                    + " but the model implies (num_virtual_tokens, " + shape.width() + ")");
        }
        return new PrefixEncoder(shape, promptEmbeddings, null, null, null, null);
    }

    private static NDArray gaussian(NDManager manager, SplittableRandom random, long rows, long cols) {
        float[] values = new float[Math.toIntExact(rows * cols)];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) random.nextGaussian();
        }
        return manager.create(values, new Shape(rows, cols));
    }

    private static NDArray uniform(NDManager manager, SplittableRandom random, double bound, long... dims) {
        Shape s = new Shape(dims);
        float[] values = new float[Math.toIntExact(s.size())];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) ((random.nextDouble() * 2 - 1) * bound);
        }
        return manager.create(values, s);
    }

    /** P, the number of virtual tokens. */
    public int virtualTokens() {
        return virtualTokens;
    }

    /** The sizes the prefix was built for. */
    public PrefixShape shape() {
        return shape;
    }

    /** Whether the reparameterisation MLP is trained (else the prefix itself). */
    public boolean projected() {
        return w0 != null;
    }

    /** Switched off, the model runs as its base (a preference run's reference pass). */
    public void enable(boolean on) {
        this.enabled = on;
    }

    /** Whether the prefix takes part in forwards. */
    public boolean enabled() {
        return enabled;
    }

    /** The trained arrays by PEFT's state-dict names, in a fixed order. */
    public SequencedMap<String, NDArray> parameters() {
        SequencedMap<String, NDArray> out = new LinkedHashMap<>();
        out.put(EMBEDDING, embedding);
        if (projected()) {
            out.put(TRANSFORM + "0.weight", w0);
            out.put(TRANSFORM + "0.bias", b0);
            out.put(TRANSFORM + "2.weight", w1);
            out.put(TRANSFORM + "2.bias", b1);
        }
        return out;
    }

    /** Marks every parameter as trained (gradients recorded). */
    public void setTrainable(boolean trainable) {
        parameters().values().forEach(a -> a.setRequiresGradient(trainable));
    }

    /**
     * The whole prefix (P, 2·L·token_dim) in {@code step}: the embedding, or the MLP's output for it.
     */
    public NDArray prefix(NDManager step) {
        if (!projected()) {
            return embedding;
        }
        NDArray hidden = own(step, embedding.matMul(w0.transpose())).add(b0).tanh();      // (P, E)
        return own(step, hidden.matMul(w1.transpose()).add(b1));                          // (P, 2·L·token_dim)
    }

    /**
     * Every layer's prefix keys and values for one forward, computed once.
     *
     * @return per layer keys and values, each (1, KV, P, hd) in {@code step}
     */
    public PastKeyValues pastKeyValues(NDManager step) {
        NDArray all = own(step, prefix(step).reshape(virtualTokens, 2L * shape.layers(), shape.kvHeads(),
                shape.headDim()));                                                         // (P, 2L, KV, hd)
        NDArray[] keys = new NDArray[shape.layers()];
        NDArray[] values = new NDArray[shape.layers()];
        for (int l = 0; l < shape.layers(); l++) {
            keys[l] = slot(step, all, 2 * l);
            values[l] = slot(step, all, 2 * l + 1);
        }
        return new PastKeyValues(keys, values);
    }

    /** Slot {@code s} of (P, 2L, KV, hd) as (1, KV, P, hd), PEFT's {@code permute([2, 0, 3, 1, 4])}. */
    private static NDArray slot(NDManager step, NDArray all, int s) {
        NDArray one = all.get(new NDIndex(":, {}", s));                                    // (P, KV, hd)
        return own(step, one.transpose(1, 0, 2).expandDims(0));                            // (1, KV, P, hd)
    }

    /** The prefix as PEFT saves it ({@code prompt_embeddings}), detached, in {@code manager}. */
    public NDArray promptEmbeddings(NDManager manager) {
        try (NDManager scratch = manager.newSubManager()) {
            NDArray out = prefix(scratch).duplicate();                                      // (P, 2·L·token_dim)
            out.attach(manager);
            return out.getDataType() == DataType.FLOAT32 ? out : out.toType(DataType.FLOAT32, false);
        }
    }

    /**
     * One forward's prefix, per layer.
     *
     * @param keys   per layer (1, KV, P, hd)
     * @param values per layer (1, KV, P, hd)
     */
    public record PastKeyValues(NDArray[] keys, NDArray[] values) {
    }
}
