package io.tuneforge.trainer.model.lora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.util.SplittableRandom;

/**
 * PiSSA (Meng et al., 2024; PEFT's {@code init_lora_weights="pissa"} / {@code "pissa_niter_N"}): the adapter starts
 * as the principal singular part of W and the frozen base keeps the residual:
 * <pre>
 *   W ≈ U_r·diag(S_r)·Vh_r            top r singular triplets; U_r (out, r), S_r (r), Vh_r (r, in)
 *   A = diag(√(S_r/s))·Vh_r  (r, in)     B = U_r·diag(√(S_r/s))  (out, r)     s = the LoRA scale
 *   W_res = W − s·B·A = W − U_r·diag(S_r)·Vh_r
 * </pre>
 * so residual + adapter is the original model at step 0. The factors come from torch's {@code svd_lowrank}
 * algorithm (Halko et al. 2009, algorithm 5 with {@code q = r}, what PEFT calls for {@code pissa_niter_N}): a Gaussian
 * start, N power iterations re-orthonormalised by QR on both sides, then the SVD of the small {@code Qᵀ·W}. The
 * Gaussian comes from the job's seed, not torch's RNG, so the factors equal PEFT's only as far as N iterations
 * converge. {@code niter = -1} ({@code pissa_iter: -1}, PEFT's full SVD) iterates a wider subspace until the top r
 * singular values move less than 1e-7 of the largest between iterations (the products run in float32), which gives the full SVD's leading triplets. The products with W run
 * in libtorch (float32); QR and the small eigenproblem run in double here.
 */
public final class Pissa {

    /** Extra columns of the subspace in full-SVD mode (convergence speed, as in Halko et al.'s oversampling). */
    private static final int FULL_OVERSAMPLE = 8;
    /** Full-SVD mode stops when the top r singular values move less than this, relative to the largest (float32 products). */
    private static final double CONVERGED = 1e-7;
    /** Upper bound on full-SVD subspace iterations. */
    private static final int FULL_MAX_ITERATIONS = 500;

    private Pissa() {
    }

    /**
     * The leading singular triplets of a matrix.
     *
     * @param u  U_r (out × r), row-major
     * @param s  S_r (r), descending
     * @param vh Vh_r (r × in), row-major
     */
    public record Factors(int out, int in, int rank, double[] u, double[] s, double[] vh) {
    }

    /** PEFT's {@code init_lora_weights} value for a {@code pissa_iter}: "pissa" (full SVD) or "pissa_niter_N". */
    public static String initName(int pissaIter) {
        return pissaIter < 0 ? "pissa" : "pissa_niter_" + pissaIter;
    }

    /** The {@code pissa_iter} of an {@code init_lora_weights} value ("pissa" → -1); fails on anything else. */
    public static int iterations(String initLoraWeights) {
        if (initLoraWeights.equals("pissa")) {
            return -1;
        }
        if (initLoraWeights.startsWith("pissa_niter_")) {
            try {
                return Integer.parseInt(initLoraWeights.substring("pissa_niter_".length()));
            } catch (NumberFormatException e) {
                // fall through
            }
        }
        throw new IllegalArgumentException("init_lora_weights should be 'pissa' or 'pissa_niter_[number of iters]', "
                + "got '" + initLoraWeights + "'");
    }

    /**
     * The top {@code rank} singular triplets of {@code weight} (out, in) FLOAT32: {@code niter} power iterations of
     * torch's {@code svd_lowrank} with {@code q = rank}, or (niter −1) iteration to convergence.
     */
    public static Factors principal(NDArray weight, int rank, int niter, SplittableRandom random) {
        int out = (int) weight.getShape().get(0);
        int in = (int) weight.getShape().get(1);
        if (rank > Math.min(out, in)) {
            throw new IllegalArgumentException("PiSSA rank " + rank + " exceeds the smaller side of a " + out + "×" + in
                    + " weight");
        }
        boolean full = niter < 0;
        int q = full ? Math.min(Math.min(out, in), rank + FULL_OVERSAMPLE) : rank;
        try (NDManager scope = weight.getManager().newSubManager()) {
            NDArray w = weight.getDataType() == DataType.FLOAT32 ? weight
                    : own(scope, weight.toType(DataType.FLOAT32, false));                       // (out, in)
            NDArray wt = own(scope, own(scope, w.transpose()).duplicate());                      // (in, out) contiguous
            double[] start = new double[in * q];
            for (int i = 0; i < start.length; i++) {
                start[i] = random.nextGaussian();
            }
            double[] basis = orthonormalColumns(product(scope, w, start, in, q), out, q);       // Q (out, q)
            double[] previous = null;
            boolean spansAll = q == Math.min(out, in);                  // the basis already spans every column
            for (int i = 0; full ? i < FULL_MAX_ITERATIONS && !spansAll : i < niter; i++) {
                double[] back = orthonormalColumns(product(scope, wt, basis, out, q), in, q);    // (in, q)
                basis = orthonormalColumns(product(scope, w, back, in, q), out, q);              // (out, q)
                if (full) {
                    double[] values = smallSvd(scope, wt, basis, out, in, q).s;
                    if (previous != null && converged(previous, values, rank)) {
                        break;
                    }
                    previous = values;
                }
            }
            Factors all = smallSvd(scope, wt, basis, out, in, q);
            return truncate(all, rank);
        }
    }

    /** The PiSSA adapter and residual of one weight: A (r, in), B (out, r), W_res (out, in), in {@code manager}. */
    public record Init(NDArray a, NDArray b, NDArray residual) {
    }

    /** A, B and the residual base for {@code weight} (out, in) at LoRA scale {@code scale}; the residual keeps W's dtype. */
    public static Init initialise(NDManager manager, NDArray weight, Factors f, double scale) {
        float[] a = new float[f.rank() * f.in()];
        float[] b = new float[f.out() * f.rank()];
        for (int k = 0; k < f.rank(); k++) {
            double root = Math.sqrt(f.s()[k] / scale);
            for (int j = 0; j < f.in(); j++) {
                a[k * f.in() + j] = (float) (root * f.vh()[k * f.in() + j]);
            }
            for (int i = 0; i < f.out(); i++) {
                b[i * f.rank() + k] = (float) (f.u()[i * f.rank() + k] * root);
            }
        }
        NDArray aa = manager.create(a, new Shape(f.rank(), f.in()));                              // (r, in)
        NDArray bb = manager.create(b, new Shape(f.out(), f.rank()));                             // (out, r)
        try (NDManager scope = manager.newSubManager()) {
            NDArray w = weight.getDataType() == DataType.FLOAT32 ? weight
                    : own(scope, weight.toType(DataType.FLOAT32, false));                         // (out, in)
            NDArray product = own(scope, bb.matMul(aa));                                         // (out, in)
            NDArray scaled = own(scope, product.mul(own(scope, scope.full(new Shape(), (float) scale))));
            NDArray residual = own(scope, w.sub(scaled));                                        // (out, in)
            NDArray typed = residual.toType(weight.getDataType(), false);
            typed.attach(manager);
            return new Init(aa, bb, typed);
        }
    }

    private static boolean converged(double[] previous, double[] current, int rank) {
        for (int k = 0; k < rank; k++) {
            if (Math.abs(current[k] - previous[k]) > CONVERGED * Math.max(current[0], 1e-30)) {
                return false;
            }
        }
        return true;
    }

    /** {@code matrix · x} with x (cols × k) row-major doubles: (rows × k) doubles. */
    private static double[] product(NDManager scope, NDArray matrix, double[] x, int cols, int k) {
        float[] values = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            values[i] = (float) x[i];
        }
        NDArray right = own(scope, scope.create(values, new Shape(cols, k)));                   // (cols, k)
        float[] result = own(scope, matrix.matMul(right)).toFloatArray();                        // (rows, k)
        double[] out = new double[result.length];
        for (int i = 0; i < result.length; i++) {
            out[i] = result[i];
        }
        return out;
    }

    /** Orthonormal columns spanning those of x (rows × k), by modified Gram-Schmidt applied twice (Q of a QR). */
    static double[] orthonormalColumns(double[] x, int rows, int k) {
        double[] q = x.clone();
        for (int pass = 0; pass < 2; pass++) {
            for (int c = 0; c < k; c++) {
                for (int p = 0; p < c; p++) {
                    double dot = 0;
                    for (int i = 0; i < rows; i++) {
                        dot += q[i * k + p] * q[i * k + c];
                    }
                    for (int i = 0; i < rows; i++) {
                        q[i * k + c] -= dot * q[i * k + p];
                    }
                }
                double norm = 0;
                for (int i = 0; i < rows; i++) {
                    norm += q[i * k + c] * q[i * k + c];
                }
                norm = Math.sqrt(norm);
                for (int i = 0; i < rows; i++) {
                    q[i * k + c] = norm > 1e-300 ? q[i * k + c] / norm : 0;
                }
            }
        }
        return q;
    }

    /**
     * The SVD of the small {@code Bs = Qᵀ·W} (q × in), lifted back: U = Q·U_b. Computed from the eigenvectors of
     * {@code Bs·Bsᵀ} (q × q, Jacobi), then {@code Vh = diag(1/S)·U_bᵀ·Bs}.
     */
    private static Factors smallSvd(NDManager scope, NDArray wt, double[] basis, int out, int in, int q) {
        double[] bsT = product(scope, wt, basis, out, q);                                         // Wᵀ·Q (in, q)
        double[] gram = new double[q * q];
        for (int a = 0; a < q; a++) {
            for (int b = a; b < q; b++) {
                double sum = 0;
                for (int j = 0; j < in; j++) {
                    sum += bsT[j * q + a] * bsT[j * q + b];
                }
                gram[a * q + b] = sum;
                gram[b * q + a] = sum;
            }
        }
        double[] vectors = new double[q * q];
        double[] values = symmetricEigen(gram, q, vectors);                                      // descending
        double[] s = new double[q];
        double[] u = new double[out * q];
        double[] vh = new double[q * in];
        for (int k = 0; k < q; k++) {
            s[k] = Math.sqrt(Math.max(values[k], 0));
            for (int i = 0; i < out; i++) {
                double sum = 0;
                for (int c = 0; c < q; c++) {
                    sum += basis[i * q + c] * vectors[c * q + k];
                }
                u[i * q + k] = sum;
            }
            for (int j = 0; j < in; j++) {
                double sum = 0;
                for (int c = 0; c < q; c++) {
                    sum += vectors[c * q + k] * bsT[j * q + c];
                }
                vh[k * in + j] = s[k] > 1e-300 ? sum / s[k] : 0;
            }
        }
        return new Factors(out, in, q, u, s, vh);
    }

    private static Factors truncate(Factors all, int rank) {
        int q = all.rank();
        double[] u = new double[all.out() * rank];
        for (int i = 0; i < all.out(); i++) {
            System.arraycopy(all.u(), i * q, u, i * rank, rank);
        }
        double[] s = java.util.Arrays.copyOf(all.s(), rank);
        double[] vh = java.util.Arrays.copyOf(all.vh(), rank * all.in());
        return new Factors(all.out(), all.in(), rank, u, s, vh);
    }

    /**
     * Eigen-decomposition of a symmetric n × n matrix by cyclic Jacobi rotations: eigenvalues descending, their
     * eigenvectors as the columns of {@code vectors} (row-major, filled here).
     */
    static double[] symmetricEigen(double[] matrix, int n, double[] vectors) {
        double[] a = matrix.clone();
        java.util.Arrays.fill(vectors, 0);
        for (int i = 0; i < n; i++) {
            vectors[i * n + i] = 1;
        }
        for (int sweep = 0; sweep < 100; sweep++) {
            double off = 0;
            double total = 0;
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    total += a[i * n + j] * a[i * n + j];
                    if (i != j) {
                        off += a[i * n + j] * a[i * n + j];
                    }
                }
            }
            if (off <= 1e-30 * Math.max(total, 1e-300)) {
                break;
            }
            for (int p = 0; p < n - 1; p++) {
                for (int r = p + 1; r < n; r++) {
                    double apr = a[p * n + r];
                    if (Math.abs(apr) < 1e-300) {
                        continue;
                    }
                    double theta = (a[r * n + r] - a[p * n + p]) / (2 * apr);
                    double t = Math.signum(theta) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
                    if (theta == 0) {
                        t = 1;
                    }
                    double c = 1 / Math.sqrt(t * t + 1);
                    double sn = t * c;
                    for (int k = 0; k < n; k++) {                   // A ← A·J
                        double akp = a[k * n + p];
                        double akr = a[k * n + r];
                        a[k * n + p] = c * akp - sn * akr;
                        a[k * n + r] = sn * akp + c * akr;
                    }
                    for (int k = 0; k < n; k++) {                   // A ← Jᵀ·A
                        double apk = a[p * n + k];
                        double ark = a[r * n + k];
                        a[p * n + k] = c * apk - sn * ark;
                        a[r * n + k] = sn * apk + c * ark;
                    }
                    for (int k = 0; k < n; k++) {                   // V ← V·J
                        double vkp = vectors[k * n + p];
                        double vkr = vectors[k * n + r];
                        vectors[k * n + p] = c * vkp - sn * vkr;
                        vectors[k * n + r] = sn * vkp + c * vkr;
                    }
                }
            }
        }
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        double[] diagonal = new double[n];
        for (int i = 0; i < n; i++) {
            diagonal[i] = a[i * n + i];
        }
        java.util.Arrays.sort(order, (x, y) -> Double.compare(diagonal[y], diagonal[x]));
        double[] sortedVectors = new double[n * n];
        double[] values = new double[n];
        for (int k = 0; k < n; k++) {
            values[k] = diagonal[order[k]];
            for (int i = 0; i < n; i++) {
                sortedVectors[i * n + k] = vectors[i * n + order[k]];
            }
        }
        System.arraycopy(sortedVectors, 0, vectors, 0, n * n);
        return values;
    }

    private static NDArray own(NDManager scope, NDArray array) {
        return io.tuneforge.trainer.model.Owned.own(scope, array);
    }
}
