package io.tuneforge.trainer.model;

import java.util.Locale;

/**
 * How {@link Linear} computes {@code x·Wᵀ} for inputs of many rows (training and prompt prefill; single decoded
 * tokens always use {@code matMul}). Chosen once per process from the system property {@value #PROPERTY} or else the
 * environment variable {@value #ENVIRONMENT}: {@code matmul} (the default) or {@code conv}. Both give the same results
 * up to fp32 round-off and both carry gradients.
 */
public enum LinearKernel {

    /**
     * libtorch's {@code matMul} with the transposed weight view (MKL, which reads the transpose as a flag). On the
     * Intel Xeon (AVX-512) development host: 240-270 GFLOP/s at 1024×512×1376, and 6-10 % more LoRA-training tokens/s
     * than {@link #CONV} (docs/benchmarks.md).
     */
    MATMUL,

    /**
     * A 1×1 convolution on a channels-last view (oneDNN, {@link io.tuneforge.trainer.training.ChannelsLastLinear}).
     * oneDNN takes AVX-512 on AMD CPUs where MKL falls back to AVX2 (see stack-facts), but re-lays out the weight on
     * every call: choose it on such CPUs after comparing with {@code bench}.
     */
    CONV;

    /** System property naming the kernel. */
    public static final String PROPERTY = "tuneforge.linear-kernel";

    /** Environment variable naming the kernel when the property is not set. */
    public static final String ENVIRONMENT = "TUNEFORGE_LINEAR_KERNEL";

    private static final LinearKernel CONFIGURED = parse(System.getProperty(PROPERTY, System.getenv(ENVIRONMENT)));

    /** The kernel this process uses. */
    public static LinearKernel configured() {
        return CONFIGURED;
    }

    /**
     * @param value {@code matmul}, {@code conv} (any case) or null/blank for the default
     * @throws IllegalArgumentException naming the setting and the accepted values
     */
    static LinearKernel parse(String value) {
        if (value == null || value.isBlank()) {
            return MATMUL;
        }
        return switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "matmul" -> MATMUL;
            case "conv" -> CONV;
            default -> throw new IllegalArgumentException(PROPERTY + " / " + ENVIRONMENT + " is '" + value
                    + "': expected matmul or conv");
        };
    }

    /** The name accepted by {@link #parse}. */
    public String settingName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
