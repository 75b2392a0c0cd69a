package io.tuneforge.trainer.model;

import static io.tuneforge.trainer.model.Owned.own;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.util.Locale;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How {@link Linear}, the LoRA update and the LM head compute {@code x·Wᵀ} ({@link #project}) for inputs of many rows
 * (training and prompt prefill; fewer than {@value #CONV_MIN_ROWS} rows, e.g. single decoded tokens, always use
 * {@code matMul}). Chosen once per process from the system property {@value #PROPERTY} or else the environment
 * variable {@value #ENVIRONMENT}: {@code auto} (the default, measured by {@link #measurePeak}), {@code matmul} or
 * {@code conv}. Both kernels give the same results up to fp32 round-off and both carry gradients.
 */
public enum LinearKernel {

    /**
     * libtorch's {@code matMul} with the transposed weight view (MKL, which reads the transpose as a flag). On the
     * Intel Xeon (AVX-512) development host: 217-255 GFLOP/s at 1024×512×1376, and ~10 % more LoRA-training tokens/s
     * than {@link #CONV} (docs/benchmarks.md).
     */
    MATMUL,

    /**
     * A 1×1 convolution on a channels-last view (oneDNN, {@link ChannelsLastLinear}).
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

    /**
     * Below this many rows (decoding one token at a time) a plain matMul beats the 1×1 convolution whatever the
     * configured kernel: oneDNN's per-call setup dominates tiny inputs (measured ~5× slower per call at one row).
     */
    static final long CONV_MIN_ROWS = 64;

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
            MatmulPeak peak = measurePeak(1024, 3);
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

    /**
     * {@code x·Wᵀ} as the model's layers compute it: {@code matMul} with the transposed weight view, or with
     * {@link #CONV} configured a 1×1 convolution on a channels-last view (oneDNN) once there are at least
     * {@value #CONV_MIN_ROWS} rows.
     *
     * @param x      (..., in) in {@code step}
     * @param weight (out, in), FLOAT32
     * @return (..., out) in {@code step}
     */
    public static NDArray project(NDManager step, NDArray x, NDArray weight) {
        return (rows(x) < CONV_MIN_ROWS ? MATMUL : configured()).apply(step, x, weight);
    }

    /**
     * {@code x·Wᵀ} with this kernel, whatever the number of rows.
     *
     * @param x      (..., in) in {@code step}
     * @param weight (out, in), FLOAT32
     * @return (..., out) in {@code step}
     */
    NDArray apply(NDManager step, NDArray x, NDArray weight) {
        if (this == MATMUL || rows(x) < CONV_MIN_ROWS) {
            return own(step, x.matMul(own(step, weight.transpose())));                        // (..., out)
        }
        return ChannelsLastLinear.apply(step, x, ChannelsLastLinear.kernel(step, weight));     // (..., out)
    }

    private static long rows(NDArray x) {
        Shape shape = x.getShape();
        return shape.size() / shape.get(shape.dimension() - 1);
    }

    /**
     * The best fp32 throughput of each kernel right now, with {@code n×n} operands, {@code repetitions} timed runs per
     * kernel after one warm-up, through {@link #apply} exactly as the model's linear layers compute.
     */
    public static MatmulPeak measurePeak(int n, int repetitions) {
        double flops = 2.0 * n * n * n;
        double bestMatMul = 0;
        double bestConv = 0;
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray x = manager.randomNormal(new Shape(n, n));                                  // (n, n) rows
            NDArray weight = manager.randomNormal(new Shape(n, n));                             // (out, in)
            for (int rep = 0; rep <= repetitions; rep++) {
                double matMul = flops / MATMUL.nanos(manager, x, weight);
                double conv = flops / CONV.nanos(manager, x, weight);
                if (rep > 0) {
                    bestMatMul = Math.max(bestMatMul, matMul);
                    bestConv = Math.max(bestConv, conv);
                }
            }
        }
        return new MatmulPeak(bestMatMul, bestConv);
    }

    /**
     * The best bf16 matrix-multiply throughput right now in GFLOP/s: {@code n×n} fp32 operands through the model's
     * own autocast kernel ({@code bf16_linear.pt}: both cast to bfloat16, the product, the result back to fp32), so
     * the casts are counted as the model pays them ({@code O(n²)} against the product's {@code O(n³)}).
     */
    public static double measureBf16Peak(int n, int repetitions) {
        double flops = 2.0 * n * n * n;
        double best = 0;
        try (NDManager manager = NDManager.newBaseManager();
             ScriptedModule linear = ScriptedModule.load(manager, "bf16_linear.pt")) {
            NDArray x = manager.randomNormal(new Shape(n, n));                                  // (n, n) rows
            NDArray weight = manager.randomNormal(new Shape(n, n));                             // (out, in)
            for (int rep = 0; rep <= repetitions; rep++) {
                try (NDManager step = manager.newSubManager()) {
                    long start = System.nanoTime();
                    linear.call(step, x, weight).getFloat(0, 0);
                    double gflops = flops / (System.nanoTime() - start);
                    if (rep > 0) {
                        best = Math.max(best, gflops);
                    }
                }
            }
        }
        return best;
    }

    /** Wall time of one projection with this kernel, its result read back. */
    private long nanos(NDManager manager, NDArray x, NDArray weight) {
        try (NDManager step = manager.newSubManager()) {
            long start = System.nanoTime();
            apply(step, x, weight).getFloat(0, 0);
            return System.nanoTime() - start;
        }
    }
}
