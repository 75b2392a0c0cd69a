package io.tuneforge.trainer.export;

import io.tuneforge.trainer.model.oft.OftAdapter;
import io.tuneforge.trainer.model.oft.OftConfig;
import java.util.Arrays;

/**
 * PEFT 0.21's OFT merge for the streaming merger, in plain Java (double inside): W' = W·diag(R₁ … R_r)ᵀ with each
 * block's R built from {@code oft_R.weight} as {@link io.tuneforge.trainer.model.oft.OftWeights} builds it
 * (Cayley–Neumann series or exact Cayley).
 */
final class OftMerge {

    private OftMerge() {
    }

    /**
     * The rotation of {@code name}'s rows (row-major [out, in]): each row's blocks {@code W_r · R_rᵀ} in double.
     *
     * @param vector {@code oft_R.weight} row-major (r or 1, b(b−1)/2)
     */
    static RowMerge rows(String name, long[] shape, float[] vector, OftConfig config) {
        int in = (int) shape[1];
        int b = config.blockSizeFor(in);
        int blocks = in / b;
        int n = b * (b - 1) / 2;
        int rows = config.blockShare() ? 1 : blocks;
        if (vector.length != rows * n) {
            throw new ExportException("adapter " + OftAdapter.key(name.substring(0, name.length() - ".weight".length()))
                    + " has " + vector.length + " values, but base weight " + name + " of shape "
                    + Arrays.toString(shape) + " with block size " + b + " needs " + rows * n
                    + "; was it trained on another model?");
        }
        double[][] rotations = new double[rows][];
        for (int r = 0; r < rows; r++) {
            rotations[r] = rotation(Arrays.copyOfRange(vector, r * n, (r + 1) * n), b, config);
        }
        return (weight, offset, firstRow, count) -> {
            double[] block = new double[b];
            for (int o = 0; o < count; o++) {
                for (int r = 0; r < blocks; r++) {
                    double[] rot = rotations[config.blockShare() ? 0 : r];
                    int base = offset + o * in + r * b;
                    for (int c = 0; c < b; c++) {
                        double sum = 0;
                        for (int k = 0; k < b; k++) {
                            sum += weight[base + k] * rot[c * b + k];          // W_r · R_rᵀ
                        }
                        block[c] = sum;
                    }
                    for (int c = 0; c < b; c++) {
                        weight[base + c] = (float) block[c];
                    }
                }
            }
        };
    }

    /** One block's R (b·b row-major) from its strict upper triangle. */
    static double[] rotation(float[] upper, int b, OftConfig config) {
        double[] q = new double[b * b];
        int i = 0;
        for (int row = 0; row < b; row++) {
            for (int col = row + 1; col < b; col++) {
                q[row * b + col] = upper[i];
                q[col * b + row] = -upper[i];
                i++;
            }
        }
        double[] identity = new double[b * b];
        for (int d = 0; d < b; d++) {
            identity[d * b + d] = 1;
        }
        if (!config.useCayleyNeumann()) {
            return multiply(add(identity, q, -1), inverse(add(identity, q, 1), b), b);   // (I − Q)(I + Q)⁻¹
        }
        int terms = config.numCayleyNeumannTerms();
        double[] r = identity.clone();
        if (terms > 1) {
            r = add(r, q, 2);
            if (terms > 2) {
                double[] power = multiply(q, q, b);
                r = add(r, power, 2);
                for (int k = 3; k < terms - 1; k++) {
                    power = multiply(power, q, b);
                    r = add(r, power, 2);
                }
                power = multiply(power, q, b);
                r = add(r, power, 1);
            }
        }
        return r;
    }

    private static double[] add(double[] a, double[] b, double factor) {
        double[] out = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = a[i] + factor * b[i];
        }
        return out;
    }

    private static double[] multiply(double[] a, double[] c, int b) {
        double[] out = new double[b * b];
        for (int i = 0; i < b; i++) {
            for (int k = 0; k < b; k++) {
                double aik = a[i * b + k];
                for (int j = 0; j < b; j++) {
                    out[i * b + j] += aik * c[k * b + j];
                }
            }
        }
        return out;
    }

    /** Gauss–Jordan with partial pivoting (I + Q is never singular for a skew-symmetric Q). */
    private static double[] inverse(double[] matrix, int b) {
        double[] m = matrix.clone();
        double[] inv = new double[b * b];
        for (int d = 0; d < b; d++) {
            inv[d * b + d] = 1;
        }
        for (int col = 0; col < b; col++) {
            int pivot = col;
            for (int row = col + 1; row < b; row++) {
                if (Math.abs(m[row * b + col]) > Math.abs(m[pivot * b + col])) {
                    pivot = row;
                }
            }
            swapRows(m, col, pivot, b);
            swapRows(inv, col, pivot, b);
            double p = m[col * b + col];
            for (int j = 0; j < b; j++) {
                m[col * b + j] /= p;
                inv[col * b + j] /= p;
            }
            for (int row = 0; row < b; row++) {
                if (row == col) {
                    continue;
                }
                double f = m[row * b + col];
                for (int j = 0; j < b; j++) {
                    m[row * b + j] -= f * m[col * b + j];
                    inv[row * b + j] -= f * inv[col * b + j];
                }
            }
        }
        return inv;
    }

    private static void swapRows(double[] m, int a, int c, int b) {
        if (a == c) {
            return;
        }
        for (int j = 0; j < b; j++) {
            double t = m[a * b + j];
            m[a * b + j] = m[c * b + j];
            m[c * b + j] = t;
        }
    }
}
