package io.tuneforge.trainer.model;

import static io.tuneforge.trainer.model.Owned.own;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;

import java.util.List;
import java.util.Optional;

/**
 * Rotary position embedding in Hugging Face's half-rotation layout (not Meta's interleaved pairs):
 * <pre>
 *   inv_freq[i] = 1 / theta^(2i/d)                 i = 0 .. d/2-1   (rescaled for rope_scaling llama3 / linear)
 *   cos, sin    = cos(p·inv_freq), sin(p·inv_freq) repeated twice to width d
 *   rope(x)     = x·cos + rotate_half(x)·sin,  rotate_half(x) = [−x₂, x₁]
 * </pre>
 * computed here as {@code x·cos + [x₂, x₁]·[−sin, sin]}. Phi-3's longrope divides each frequency by a short or long
 * factor and multiplies cos and sin by an attention factor. Tables are computed in float32 as transformers does and
 * grow on demand; they are constants (no gradient).
 */
public final class RotaryEmbedding {

    private final NDManager manager;
    private final int headDim;
    private final double positionScale;
    private final float attentionFactor;
    private final Table regular;        // all types; longrope: the short factors
    private final Table longRange;      // longrope only: the long factors, used once a sequence passes the original
    private final int originalPositions;

    RotaryEmbedding(NDManager manager, ModelConfig config) {
        this(manager, config, config.ropeScaling());
    }

    /** Plain RoPE with base {@code theta} and no scaling: Gemma 3's sliding layers ({@code rope_local_base_freq}). */
    static RotaryEmbedding local(NDManager manager, ModelConfig config, double theta) {
        ModelConfig plain = config.withRope(theta, Optional.empty());
        return new RotaryEmbedding(manager, plain, Optional.empty());
    }

    private RotaryEmbedding(NDManager manager, ModelConfig config, Optional<RopeScaling> scaling) {
        this.manager = manager;
        this.headDim = config.headDim();
        this.positionScale = scaling.filter(s -> s.type().equals("linear")).map(s -> 1.0 / s.factor())
                .orElse(1.0);
        Optional<RopeScaling> longRope = scaling.filter(RopeScaling::isLongRope);
        this.attentionFactor = longRope.map(RopeScaling::attentionFactor).orElse(1.0).floatValue();
        this.regular = new Table(longRope.isPresent()
                ? longRopeFrequencies(config, longRope.get().shortFactor()) : inverseFrequencies(config));
        this.longRange = longRope.map(s -> new Table(longRopeFrequencies(config, s.longFactor()))).orElse(null);
        this.originalPositions = longRope.map(RopeScaling::originalMaxPositionEmbeddings).orElse(Integer.MAX_VALUE);
        regular.ensure(Math.min(config.maxPositions(), 2048));
    }

    /** longrope's {@code inv_freq[i] = 1 / (ext[i] · theta^(2i/d))} for the short or long factors {@code ext}. */
    static float[] longRopeFrequencies(ModelConfig config, List<Double> factors) {
        int d = config.headDim();
        float[] inv = new float[d / 2];
        for (int i = 0; i < d / 2; i++) {
            float exponent = (float) (2 * i) / d;
            float base = (float) Math.pow(config.ropeTheta(), exponent);
            inv[i] = 1f / (factors.get(i).floatValue() * base);
        }
        return inv;
    }

    /** transformers' {@code inv_freq}, with the Llama 3.1 frequency-dependent rescaling when configured. */
    static float[] inverseFrequencies(ModelConfig config) {
        int d = config.headDim();
        float[] inv = new float[d / 2];
        for (int i = 0; i < d / 2; i++) {
            float exponent = (float) (2 * i) / d;
            inv[i] = (float) (1.0 / Math.pow(config.ropeTheta(), exponent));
        }
        config.ropeScaling().filter(s -> s.type().equals("llama3")).ifPresent(s -> {
            double lowWavelen = s.originalMaxPositionEmbeddings() / s.lowFreqFactor();
            double highWavelen = s.originalMaxPositionEmbeddings() / s.highFreqFactor();
            for (int i = 0; i < inv.length; i++) {
                double wavelen = 2 * Math.PI / inv[i];
                if (wavelen > lowWavelen) {
                    inv[i] = (float) (inv[i] / s.factor());
                } else if (wavelen >= highWavelen) {
                    double smooth = (s.originalMaxPositionEmbeddings() / wavelen - s.lowFreqFactor())
                            / (s.highFreqFactor() - s.lowFreqFactor());
                    inv[i] = (float) ((1 - smooth) * inv[i] / s.factor() + smooth * inv[i]);
                }
            }
        });
        return inv;
    }

    /** Whether this RoPE can ever invalidate a cache (longrope): a cache must then keep its tokens. */
    boolean canInvalidateCache() {
        return longRange != null;
    }

    /**
     * True when T tokens after {@code offset} cached ones first pass the pretraining context of longrope: the cached
     * keys were rotated with the short factors and must be recomputed with the long ones.
     */
    boolean invalidatesCache(int offset, int t) {
        return longRange != null && offset > 0 && offset <= originalPositions && offset + t > originalPositions;
    }

    /**
     * @param x      (B, heads, T, d) in {@code step}
     * @param offset position of the first of the T tokens (the KV-cache length)
     * @return (B, heads, T, d) in {@code step}
     */
    public NDArray apply(NDManager step, NDArray x, int offset) {
        int t = (int) x.getShape().get(2);
        // longrope, as transformers' dynamic update: the long factors for every position of a forward pass whose
        // sequence (cache included) is longer than the pretraining context
        Table table = longRange != null && offset + t > originalPositions ? longRange : regular;
        NDArray c;
        NDArray s;
        synchronized (this) {
            table.ensure(offset + t);
            c = own(step, table.cos.get(new NDIndex("{}:{}", offset, offset + t)));                // (T, d)
            s = own(step, table.sinSigned.get(new NDIndex("{}:{}", offset, offset + t)));          // (T, d)
        }
        int half = headDim / 2;
        NDArray x1 = x.get(new NDIndex("..., :{}", half));                                  // (B, h, T, d/2)
        NDArray x2 = x.get(new NDIndex("..., {}:", half));                                  // (B, h, T, d/2)
        NDArray swapped = NDArrays.concat(new NDList(x2, x1), 3);                           // (B, h, T, d)
        return x.mul(c).add(swapped.mul(s));                                                // (B, h, T, d)
    }

    void close() {
        regular.close();
        if (longRange != null) {
            longRange.close();
        }
    }

    /** cos and signed sin tables for one set of inverse frequencies, grown on demand. */
    private final class Table {
        private final float[] invFreq;
        private NDArray cos;            // (P, d)
        private NDArray sinSigned;      // (P, d)
        private int positions;

        Table(float[] invFreq) {
            this.invFreq = invFreq;
        }

        void ensure(int needed) {
            if (needed <= positions) {
                return;
            }
            int p = Math.max(needed, positions * 2);
            int half = headDim / 2;
            float[] c = new float[p * headDim];
            float[] s = new float[p * headDim];
            for (int pos = 0; pos < p; pos++) {
                float position = (float) (pos * positionScale);
                for (int i = 0; i < half; i++) {
                    float angle = position * invFreq[i];
                    float cosValue = (float) Math.cos(angle) * attentionFactor;
                    float sinValue = (float) Math.sin(angle) * attentionFactor;
                    c[pos * headDim + i] = cosValue;
                    c[pos * headDim + half + i] = cosValue;
                    s[pos * headDim + i] = -sinValue;
                    s[pos * headDim + half + i] = sinValue;
                }
            }
            close();
            cos = manager.create(c, new Shape(p, headDim));
            sinSigned = manager.create(s, new Shape(p, headDim));
            positions = p;
        }

        void close() {
            if (cos != null) {
                cos.close();
                sinSigned.close();
            }
        }
    }
}
