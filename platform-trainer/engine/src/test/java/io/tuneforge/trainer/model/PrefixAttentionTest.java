package io.tuneforge.trainer.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Random;

import org.junit.jupiter.api.Test;

/**
 * Prefix tuning's attention written out by hand: T real tokens at RoPE positions P.., their queries attending to the
 * P unrotated prefix keys of their key/value head and to the causal real keys, softmax over both.
 */
class PrefixAttentionTest {

    private static final int P = 3;
    private static final int T = 2;

    private static Path tinyLlama() {
        try {
            return Path.of(PrefixAttentionTest.class.getResource("/prefix/tiny-llama").toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static float[] random(Random r, int n) {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = (float) (r.nextGaussian() * 0.5);
        }
        return out;
    }

    @Test
    void attentionOverVirtualTokensEqualsAHandComputation() throws IOException {
        ModelConfig config = ModelConfig.load(tinyLlama());
        int c = config.hiddenSize();
        int h = config.numHeads();
        int kv = config.numKvHeads();
        int hd = config.headDim();
        Random r = new Random(3);
        float[] wq = random(r, h * hd * c);
        float[] wk = random(r, kv * hd * c);
        float[] wv = random(r, kv * hd * c);
        float[] wo = random(r, c * h * hd);
        float[] x = random(r, T * c);
        float[] prefixK = random(r, kv * P * hd);
        float[] prefixV = random(r, kv * P * hd);

        float[] actual;
        try (NDManager m = NDManager.newBaseManager()) {
            Attention attention = new Attention(
                    new Linear("q", m.create(wq, new Shape(h * hd, c)), null),
                    new Linear("k", m.create(wk, new Shape(kv * hd, c)), null),
                    new Linear("v", m.create(wv, new Shape(kv * hd, c)), null),
                    new Linear("o", m.create(wo, new Shape(c, h * hd)), null), null, null, config,
                    m.full(new Shape(), (float) (1 / Math.sqrt(hd)), DataType.FLOAT32));
            RotaryEmbedding rope = new RotaryEmbedding(m, config);
            float[] mask = new float[T * (P + T)];
            for (int i = 0; i < T; i++) {
                for (int j = 0; j < T; j++) {
                    mask[i * (P + T) + P + j] = j <= i ? 0 : CausalMask.MASKED;
                }
            }
            NDArray[] prefix = {m.create(prefixK, new Shape(1, kv, P, hd)), m.create(prefixV, new Shape(1, kv, P, hd))};
            actual = attention.forward(m, m.create(x, new Shape(1, T, c)), rope, m.create(mask, new Shape(T, P + T)),
                    null, 0, P, false, prefix).toFloatArray();
            rope.close();
        }

        double[][][] q = rotated(project(x, wq, h, hd, c), config, hd);       // (T, H, hd) at positions P + t
        double[][][] k = rotated(project(x, wk, kv, hd, c), config, hd);      // (T, KV, hd)
        double[][][] v = project(x, wv, kv, hd, c);                            // (T, KV, hd)
        double[] expected = new double[T * c];
        for (int t = 0; t < T; t++) {
            double[] merged = new double[h * hd];
            for (int head = 0; head < h; head++) {
                int g = head / (h / kv);
                double[] scores = new double[P + t + 1];
                double[][] values = new double[P + t + 1][];
                for (int p = 0; p < P; p++) {
                    double dot = 0;
                    for (int d = 0; d < hd; d++) {
                        dot += q[t][head][d] * prefixK[(g * P + p) * hd + d];
                    }
                    scores[p] = dot / Math.sqrt(hd);
                    values[p] = new double[hd];
                    for (int d = 0; d < hd; d++) {
                        values[p][d] = prefixV[(g * P + p) * hd + d];
                    }
                }
                for (int j = 0; j <= t; j++) {
                    double dot = 0;
                    for (int d = 0; d < hd; d++) {
                        dot += q[t][head][d] * k[j][g][d];
                    }
                    scores[P + j] = dot / Math.sqrt(hd);
                    values[P + j] = v[j][g];
                }
                double max = java.util.Arrays.stream(scores).max().orElseThrow();
                double sum = 0;
                for (int j = 0; j < scores.length; j++) {
                    scores[j] = Math.exp(scores[j] - max);
                    sum += scores[j];
                }
                for (int j = 0; j < scores.length; j++) {
                    for (int d = 0; d < hd; d++) {
                        merged[head * hd + d] += scores[j] / sum * values[j][d];
                    }
                }
            }
            for (int o = 0; o < c; o++) {
                double y = 0;
                for (int i = 0; i < h * hd; i++) {
                    y += merged[i] * wo[o * h * hd + i];
                }
                expected[t * c + o] = y;
            }
        }
        assertThat(actual).hasSize(expected.length);
        for (int i = 0; i < actual.length; i++) {
            assertThat((double) actual[i]).as("output %d", i).isCloseTo(expected[i], within(1e-4));
        }
    }

    /** x (T, C) · Wᵀ as (T, heads, hd). */
    private static double[][][] project(float[] x, float[] w, int heads, int hd, int c) {
        double[][][] out = new double[T][heads][hd];
        for (int t = 0; t < T; t++) {
            for (int o = 0; o < heads * hd; o++) {
                double s = 0;
                for (int i = 0; i < c; i++) {
                    s += x[t * c + i] * w[o * c + i];
                }
                out[t][o / hd][o % hd] = s;
            }
        }
        return out;
    }

    /** Hugging Face's rotate-half RoPE at position P + t. */
    private static double[][][] rotated(double[][][] a, ModelConfig config, int hd) {
        int half = hd / 2;
        double[][][] out = new double[a.length][a[0].length][hd];
        for (int t = 0; t < a.length; t++) {
            int position = P + t;
            for (int head = 0; head < a[t].length; head++) {
                for (int i = 0; i < half; i++) {
                    double angle = position * Math.pow(config.ropeTheta(), -2.0 * i / hd);
                    double x1 = a[t][head][i];
                    double x2 = a[t][head][i + half];
                    out[t][head][i] = x1 * Math.cos(angle) - x2 * Math.sin(angle);
                    out[t][head][i + half] = x2 * Math.cos(angle) + x1 * Math.sin(angle);
                }
            }
        }
        return out;
    }
}
