package io.tuneforge.trainer.model;

/**
 * The best fp32 matrix-multiply throughput this process reaches right now with each {@link LinearKernel} (measured by
 * {@link LinearKernel#measurePeak}): what {@code auto} chooses by, and the denominator of the bench's model-FLOP
 * utilisation. Each is the best of several repetitions of an {@code n×n×n} product.
 *
 * @param matMulGflops      best GFLOP/s of {@code matMul}
 * @param convolutionGflops best GFLOP/s of the channels-last 1×1 convolution
 */
public record MatmulPeak(double matMulGflops, double convolutionGflops) {

    /** The better of the two paths. */
    public double bestGflops() {
        return Math.max(matMulGflops, convolutionGflops);
    }

    /** The better of two measurements, path by path (the host's clock and neighbours vary during a run). */
    public MatmulPeak max(MatmulPeak other) {
        return new MatmulPeak(Math.max(matMulGflops, other.matMulGflops),
                Math.max(convolutionGflops, other.convolutionGflops));
    }
}
