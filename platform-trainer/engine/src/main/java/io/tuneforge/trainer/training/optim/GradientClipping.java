package io.tuneforge.trainer.training.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.util.Collection;

/**
 * Global-norm gradient clipping as PyTorch's {@code torch.nn.utils.clip_grad_norm_}: the L2 norm over all gradients
 * together; when it exceeds {@code maxNorm}, every gradient is scaled by {@code maxNorm / (norm + 1e-6)}.
 */
public final class GradientClipping {

    private GradientClipping() {
    }

    /**
     * Clips the gradients in place and returns their norm before clipping.
     *
     * @param scope    manager for the temporaries (closed by the caller)
     * @param grads    the gradients (modified in place)
     * @param maxNorm  the threshold ({@code max_grad_norm}); {@code <= 0} only measures the norm
     */
    public static double clipByGlobalNorm(NDManager scope, Collection<NDArray> grads, double maxNorm) {
        double sumOfSquares = 0.0;
        for (NDArray g : grads) {
            NDArray norm = g.norm();
            norm.attach(scope);
            double n = norm.toType(ai.djl.ndarray.types.DataType.FLOAT64, false).getDouble();
            sumOfSquares += n * n;
        }
        double total = Math.sqrt(sumOfSquares);
        if (maxNorm > 0) {
            double coefficient = maxNorm / (total + 1e-6);
            if (coefficient < 1.0) {
                for (NDArray g : grads) {
                    g.muli(scope.full(new Shape(), (float) coefficient, g.getDataType()));
                }
            }
        }
        return total;
    }
}
