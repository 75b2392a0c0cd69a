package io.tuneforge.trainer.training.optim;

/**
 * bitsandbytes' blockwise 8-bit quantization of optimizer state (functional.py {@code create_dynamic_map},
 * backends/default/ops.py {@code quantize_blockwise} / {@code dequantize_blockwise}), on flat float32 arrays:
 * each block of {@link #BLOCK_SIZE} numbers keeps its absolute maximum, and each number the index of the nearest
 * entry of a 256-value map of {@code value / absmax}. The maps are bitsandbytes' dynamic data type (a decimal exponent
 * 10^-6 … 10^0 and a linear fraction): {@link #SIGNED_MAP} for the first moment, {@link #UNSIGNED_MAP} (twice the
 * fraction steps, no sign) for the second.
 */
public final class BlockwiseQuantizer {

    /** bitsandbytes' block size for 8-bit optimizer state ({@code Optimizer2State.init_state}: 256). */
    public static final int BLOCK_SIZE = 256;
    /** The signed dynamic map ({@code create_dynamic_map(signed=True)}), sorted ascending (256 values in [-1, 1]). */
    public static final float[] SIGNED_MAP = dynamicMap(true);
    /** The unsigned dynamic map ({@code create_dynamic_map(signed=False)}), sorted ascending (256 values in [0, 1]). */
    public static final float[] UNSIGNED_MAP = dynamicMap(false);

    private final float[] map;
    private final float[] midpoints;

    /** A quantizer over one of the two maps. */
    public BlockwiseQuantizer(float[] map) {
        this.map = map.clone();
        this.midpoints = new float[map.length - 1];
        for (int i = 0; i < midpoints.length; i++) {
            midpoints[i] = (map[i] + map[i + 1]) / 2f; // bounds = (code[:-1] + code[1:]) / 2
        }
    }

    /** The number of absmax blocks of a tensor of {@code n} numbers. */
    public static int blocks(long n) {
        return (int) ((n + BLOCK_SIZE - 1) / BLOCK_SIZE);
    }

    /**
     * Quantizes {@code values} into {@code codes} (one byte each) and {@code absmax} (one per block), as
     * bitsandbytes' default kernel: full blocks scale by {@code value * (1 / max(absmax, 1e-38))}, the last partial
     * block by {@code value / max(absmax, 1e-38)}, clamp to [-1, 1], then the nearest map entry (ties to the lower one:
     * {@code torch.bucketize} over the midpoints).
     */
    public void quantize(float[] values, byte[] codes, float[] absmax) {
        int n = values.length;
        int rem = n % BLOCK_SIZE;
        int full = n - rem;
        for (int b = 0; b * BLOCK_SIZE < n; b++) {
            int start = b * BLOCK_SIZE;
            int end = Math.min(start + BLOCK_SIZE, n);
            float max = 0f;
            for (int i = start; i < end; i++) {
                max = Math.max(max, Math.abs(values[i]));
            }
            absmax[b] = max;
            float clamped = Math.max(max, 1e-38f);
            float inverse = 1f / clamped;
            boolean partial = start >= full;
            for (int i = start; i < end; i++) {
                float scaled = partial ? values[i] / clamped : values[i] * inverse;
                codes[i] = (byte) nearest(Math.min(1f, Math.max(-1f, scaled)));
            }
        }
    }

    /** {@code map[code] * absmax[block]} for every number, into {@code out}. */
    public void dequantize(byte[] codes, float[] absmax, float[] out) {
        for (int i = 0; i < codes.length; i++) {
            out[i] = map[codes[i] & 0xff] * absmax[i / BLOCK_SIZE];
        }
    }

    /** The number of midpoints strictly below {@code x} ({@code torch.bucketize(x, bounds)}, right=False). */
    private int nearest(float x) {
        int lo = 0;
        int hi = midpoints.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (midpoints[mid] < x) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /**
     * {@code create_dynamic_map(signed, max_exponent_bits=7, total_bits=8)}: for exponent i = 0…6, the midpoints of
     * {@code linspace(0.1, 1, 2^i + 1)} (signed; {@code 2^(i+1) + 1} unsigned) times 10^(i-6), mirrored when signed, plus
     * 0 and 1, sorted. Computed in float32 as PyTorch computes it.
     */
    static float[] dynamicMap(boolean signed) {
        float[] data = new float[256];
        int count = 0;
        for (int i = 0; i < 7; i++) {
            int fractionItems = signed ? (1 << i) + 1 : (1 << (i + 1)) + 1;
            float[] boundaries = linspace(0.1f, 1f, fractionItems);
            float scale = (float) Math.pow(10, -(7 - 1) + i);
            for (int k = 0; k + 1 < boundaries.length; k++) {
                float mean = (boundaries[k] + boundaries[k + 1]) / 2f;
                data[count++] = scale * mean;
                if (signed) {
                    data[count++] = -scale * mean;
                }
            }
        }
        data[count++] = 0f;
        data[count++] = 1f;
        if (count != 256) {
            throw new IllegalStateException("dynamic map has " + count + " entries");
        }
        java.util.Arrays.sort(data);
        return data;
    }

    /**
     * {@code torch.linspace(start, end, steps, dtype=float32)} as PyTorch's CPU kernel computes it: the first half
     * {@code start + step·i}, the second {@code end − step·(steps − i − 1)}, each one fused multiply-add.
     */
    private static float[] linspace(float start, float end, int steps) {
        float[] out = new float[steps];
        float step = (end - start) / (steps - 1);
        int halfway = steps / 2;
        for (int i = 0; i < steps; i++) {
            out[i] = i < halfway ? Math.fma(step, i, start) : Math.fma(-step, steps - i - 1, end);
        }
        return out;
    }
}
