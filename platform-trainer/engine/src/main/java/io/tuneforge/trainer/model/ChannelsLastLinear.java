package io.tuneforge.trainer.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;

/**
 * {@code y = x · Wᵀ} computed as a 1×1 convolution over a channels-last view of {@code x}, the kernel of
 * {@link io.tuneforge.trainer.model.LinearKernel#CONV}. libtorch routes this to oneDNN, which takes AVX-512 even on
 * AMD CPUs where MKL's {@code matMul} takes AVX2 (see stack-facts); autograd works through
 * it (gradients reach {@code x} and, when it requires one, the weight). No copies: the input view and the output
 * view are both free reshapes/permutations of contiguous memory.
 */
public final class ChannelsLastLinear {

    private ChannelsLastLinear() {
    }

    /** The weight (out, in) as a convolution kernel (out, in, 1, 1); a view, attached to {@code step}. */
    public static NDArray kernel(NDManager step, NDArray weight) {
        Shape s = weight.getShape();
        NDArray kernel = weight.reshape(s.get(0), s.get(1), 1, 1);                         // (out, in, 1, 1)
        kernel.attach(step);
        return kernel;
    }

    /**
     * @param step   manager receiving every intermediate
     * @param x      input (..., in), contiguous
     * @param kernel weight as (out, in, 1, 1), see {@link #kernel}
     * @return (..., out) in {@code step}
     */
    public static NDArray apply(NDManager step, NDArray x, NDArray kernel) {
        Shape shape = x.getShape();
        long in = shape.get(shape.dimension() - 1);
        long rows = shape.size() / in;
        NDArray image = x.reshape(1, rows, 1, in).transpose(0, 3, 1, 2);                  // (1, in, rows, 1) NHWC
        image.attach(step);
        NDArray out = Conv2d.conv2d(image, kernel, null, new Shape(1, 1), new Shape(0, 0), new Shape(1, 1), 1)
                .singletonOrThrow();                                                          // (1, out, rows, 1)
        out.attach(step);
        long[] dims = shape.getShape().clone();
        dims[dims.length - 1] = kernel.getShape().get(0);
        NDArray y = out.transpose(0, 2, 3, 1).reshape(new Shape(dims));                     // (..., out)
        y.attach(step);
        return y;
    }
}
