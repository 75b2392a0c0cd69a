package io.tuneforge.trainer.model;

import java.util.Locale;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How {@link Linear} computes {@code x·Wᵀ} for inputs of many rows (training and prompt prefill; single decoded
 * tokens always use {@code matMul}). Chosen once per process from the system property {@value #PROPERTY} or else the
 * environment variable {@value #ENVIRONMENT}: {@code auto} (the default), {@code matmul} or {@code conv}. Both kernels
 * give the same results up to fp32 round-off and both carry gradients.
 */
public enum LinearKernel {

    /**
     * libtorch's {@code matMul} with the transposed weight view (MKL, which reads the transpose as a flag). On the
     * Intel Xeon (AVX-512) development host: 217-255 GFLOP/s at 1024×512×1376, and ~10 % more LoRA-training tokens/s
     * than {@link #CONV} (docs/benchmarks.md).
     */
    MATMUL,

    /**
     * A 1×1 convolution on a channels-last view (oneDNN, {@link io.tuneforge.trainer.training.ChannelsLastLinear}).
     * oneDNN takes AVX-512 on AMD CPUs where MKL falls back to AVX2 (about 2× faster there, see stack-facts), but it
     * re-lays out the weight on every call.
     */
    CONV;

    /** System property naming the kernel. */
    public static final String PROPERTY = "tuneforge.linear-kernel";

    /** Environment variable naming the kernel when the property is not set. */
    public static final String ENVIRONMENT = "TUNEFORGE_LINEAR_KERNEL";

    /**
     * With {@code auto}, the convolution is chosen only when it measures at least this many times {@code matMul}'s
     * throughput: on hosts where the two are close, {@code matMul} is kept run after run (same rounding, same loss
     * curves), and the convolution is taken where it is clearly faster.
     */
    static final double CONV_MARGIN = 1.25;

    private static final Logger log = LoggerFactory.getLogger(LinearKernel.class);

    private static volatile LinearKernel configured;     // null until first use

    /**
     * The kernel this process uses; with {@code auto}, measured on first use (a few 1024³ products, ~0.1 s).
     *
     * @throws IllegalArgumentException when the setting names no kernel (on every call, so each job says why)
     */
    public static LinearKernel configured() {
        LinearKernel kernel = configured;
        if (kernel == null) {
            synchronized (LinearKernel.class) {
                if (configured == null) {
                    configured = choose(System.getProperty(PROPERTY, System.getenv(ENVIRONMENT)));
                }
                kernel = configured;
            }
        }
        return kernel;
    }

    private static LinearKernel choose(String setting) {
        return parse(setting).orElseGet(() -> {
            MatmulPeak peak = MatmulPeak.measure(1024, 3);
            LinearKernel kernel = faster(peak);
            log.info("Linear kernel {} (auto: matMul {} GFLOP/s, 1x1 convolution {} GFLOP/s; set {} to choose)",
                    kernel.settingName(), Math.round(peak.matMulGflops()), Math.round(peak.convolutionGflops()),
                    ENVIRONMENT);
            return kernel;
        });
    }

    /** The convolution if it beats {@code matMul} by {@link #CONV_MARGIN}, else {@code matMul}. */
    static LinearKernel faster(MatmulPeak peak) {
        return peak.convolutionGflops() >= CONV_MARGIN * peak.matMulGflops() ? CONV : MATMUL;
    }

    /**
     * @param value {@code auto}, {@code matmul}, {@code conv} (any case) or null/blank for {@code auto}
     * @return the fixed kernel, or empty for {@code auto}
     * @throws IllegalArgumentException naming the setting and the accepted values
     */
    static Optional<LinearKernel> parse(String value) {
        if (value == null || value.isBlank()) {
            return Optional.empty();
        }
        return switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "auto" -> Optional.empty();
            case "matmul" -> Optional.of(MATMUL);
            case "conv" -> Optional.of(CONV);
            default -> throw new IllegalArgumentException(PROPERTY + " / " + ENVIRONMENT + " is '" + value
                    + "': expected auto, matmul or conv");
        };
    }

    /** The name {@link #parse} accepts. */
    public String settingName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
