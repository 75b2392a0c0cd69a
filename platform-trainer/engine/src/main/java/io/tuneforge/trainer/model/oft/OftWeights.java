package io.tuneforge.trainer.model.oft;

import static io.tuneforge.trainer.model.Owned.own;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * The orthogonal rotation of one frozen linear's input (PEFT 0.21's {@code OFTRotationModule}):
 * <pre>
 *   oft_R.weight (r, b(b−1)/2)   the strict upper triangle (row-major, torch.triu_indices(b, b, 1)) of one
 *                                skew-symmetric Q per block: Q = U − Uᵀ; r = in / b blocks (1 with block_share)
 *   R = I + 2Q + 2Q² + 2Q³ + Q⁴  Cayley–Neumann (use_cayley_neumann, 5 terms; generally I + 2Q + … + 2Q^(T−2) + Q^(T−1)),
 *                                or the exact Cayley transform (I − Q)(I + Q)⁻¹
 *   x' = x · diag(R₁ … R_r)      the input, split in r blocks of b, each block row-vector times its R
 *   y  = x'·Wᵀ + b               the frozen linear
 *   merge: W' = W · diag(R)ᵀ     (PEFT: W'ᵀ = diag(R)·Wᵀ)
 * </pre>
 * The rotation is rebuilt from the trained vector on every forward. The skew-symmetric matrices come from a constant
 * ±1 map (n, b·b), so Q = v·map is one product and the gradient reaches v; the 2× of the series lives in a second
 * map (no Java scalar under autograd). Initial weights are zero (R = I: training starts at the base model, PEFT's
 * {@code init_weights=True}).
 */
public final class OftWeights implements AutoCloseable {

    private final NDArray weight;     // (r, n) or (1, n) with block share; n = b(b−1)/2
    private final NDArray skewMap;    // (n, b·b): +1 at (i, row·b+col), −1 at (i, col·b+row), (row, col) the i-th triu pair
    private final NDArray skewMap2;   // (n, b·b) 2·skewMap
    private final NDArray identity;   // (b, b)
    private final int blockSize;
    private final int blocks;         // in / b
    private final OftConfig config;

    private OftWeights(NDArray weight, int blockSize, int blocks, OftConfig config) {
        NDManager manager = weight.getManager();
        this.weight = weight;
        this.blockSize = blockSize;
        this.blocks = blocks;
        this.config = config;
        this.skewMap = skewMap(manager, blockSize, 1f);
        this.skewMap2 = skewMap(manager, blockSize, 2f);
        this.identity = manager.eye(blockSize);
    }

    /** Fresh weights for a linear with {@code inFeatures} inputs: zeros (R = I), in the model's manager. */
    public static OftWeights initialise(NDManager manager, long inFeatures, OftConfig config) {
        int b = config.blockSizeFor(inFeatures);
        int blocks = Math.toIntExact(inFeatures / b);
        int rows = config.blockShare() ? 1 : blocks;
        return new OftWeights(manager.zeros(new Shape(rows, (long) b * (b - 1) / 2), DataType.FLOAT32), b, blocks,
                config);
    }

    /**
     * Weights from an adapter file ({@code oft_R.weight}, float32, in the model's manager), checked against the shape
     * PEFT gives this linear.
     */
    public static OftWeights of(NDArray weight, long inFeatures, OftConfig config, String module) {
        int b = config.blockSizeFor(inFeatures);
        int blocks = Math.toIntExact(inFeatures / b);
        Shape expected = expectedShape(inFeatures, config);
        if (!weight.getShape().equals(expected)) {
            throw new IllegalArgumentException(module + ": oft_R.weight has shape " + weight.getShape()
                    + ", expected " + expected + " (in_features " + inFeatures + ", block size " + b + ")");
        }
        return new OftWeights(weight, b, blocks, config);
    }

    /** The shape PEFT gives {@code oft_R.weight} on a linear with {@code inFeatures} inputs. */
    public static Shape expectedShape(long inFeatures, OftConfig config) {
        int b = config.blockSizeFor(inFeatures);
        long rows = config.blockShare() ? 1 : inFeatures / b;
        return new Shape(rows, (long) b * (b - 1) / 2);
    }

    /** The trained vector (r, b(b−1)/2), PEFT's {@code oft_R.weight}. */
    public NDArray weight() {
        return weight;
    }

    public int blockSize() {
        return blockSize;
    }

    public void setTrainable(boolean trainable) {
        weight.setRequiresGradient(trainable);
    }

    /** The rotation per block (r or 1, b, b) in {@code step}, with the gradient to the weight. */
    public NDArray rotation(NDManager step) {
        long rows = weight.getShape().get(0);
        Shape blocksShape = new Shape(rows, blockSize, blockSize);
        NDArray q = own(step, weight.matMul(skewMap)).reshape(blocksShape);          // (r, b, b)
        if (!config.useCayleyNeumann()) {
            NDArray minus = own(step, identity.sub(q));                                // (r, b, b)
            NDArray plus = own(step, identity.add(q));
            return own(step, minus.matMul(own(step, plus.inverse())));                 // (I − Q)(I + Q)⁻¹
        }
        int terms = config.numCayleyNeumannTerms();
        NDArray r = own(step, identity.broadcast(blocksShape).duplicate());           // I
        if (terms > 1) {
            NDArray q2 = own(step, weight.matMul(skewMap2)).reshape(blocksShape);    // 2Q
            r = own(step, r.add(q2));
            if (terms > 2) {
                r = own(step, r.add(own(step, q.matMul(q2))));                        // + 2Q²
                NDArray power = own(step, q.matMul(q));                               // Q²
                for (int k = 3; k < terms - 1; k++) {
                    r = own(step, r.add(own(step, power.matMul(q2))));                // + 2Q^k
                    power = own(step, power.matMul(q));                               // Q^k
                }
                power = own(step, power.matMul(q));
                r = own(step, r.add(power));                                          // + Q^(max(3, T−1))
            }
        }
        return r;
    }

    /**
     * Rotates the input block by block.
     *
     * @param x (..., in) float32 in {@code step}
     * @return (..., in) in {@code step}
     */
    public NDArray rotate(NDManager step, NDArray x) {
        Shape shape = x.getShape();
        long tokens = shape.size() / ((long) blocks * blockSize);
        NDArray rotation = rotation(step);                                              // (r or 1, b, b)
        if (config.blockShare()) {
            NDArray flat = x.reshape(tokens * blocks, blockSize);                       // (N·r, b)
            return own(step, flat.matMul(rotation.reshape(blockSize, blockSize))).reshape(shape);
        }
        NDArray perBlock = own(step, x.reshape(tokens, blocks, blockSize).transpose(1, 0, 2));   // (r, N, b)
        NDArray rotated = own(step, perBlock.matMul(rotation));                                    // (r, N, b)
        return own(step, rotated.transpose(1, 0, 2)).reshape(shape);                               // (..., in)
    }

    /**
     * PEFT's merge: W' = W · diag(R)ᵀ, block by block.
     *
     * @param base (out, in) float32
     * @return (out, in) in {@code scope}
     */
    public NDArray mergedWeight(NDManager scope, NDArray base) {
        long out = base.getShape().get(0);
        NDArray rotation = rotation(scope);                                                        // (r or 1, b, b)
        if (config.blockShare()) {
            rotation = own(scope, rotation.broadcast(new Shape(blocks, blockSize, blockSize)).duplicate());
        }
        NDArray perBlock = own(scope, base.reshape(out, blocks, blockSize).transpose(1, 0, 2));  // (r, out, b)
        NDArray merged = own(scope, perBlock.matMul(own(scope, rotation.transpose(0, 2, 1))));    // (r, out, b)
        return own(scope, merged.transpose(1, 0, 2)).reshape(out, (long) blocks * blockSize);
    }

    /** The whole block-diagonal rotation (in, in), PEFT's {@code get_delta_weight}, in {@code scope}. */
    public NDArray blockDiagonal(NDManager scope) {
        NDArray rotation = rotation(scope);
        float[] blocksValues = rotation.toFloatArray();
        int in = blocks * blockSize;
        float[] out = new float[in * in];
        for (int r = 0; r < blocks; r++) {
            int source = config.blockShare() ? 0 : r;
            for (int i = 0; i < blockSize; i++) {
                for (int j = 0; j < blockSize; j++) {
                    out[(r * blockSize + i) * in + r * blockSize + j] =
                            blocksValues[(source * blockSize + i) * blockSize + j];
                }
            }
        }
        return scope.create(out, new Shape(in, in));
    }

    /** The ±1 (× {@code sign}) map from the triu vector to the flattened skew-symmetric matrix. */
    private static NDArray skewMap(NDManager manager, int b, float scale) {
        int n = b * (b - 1) / 2;
        float[] map = new float[n * b * b];
        int i = 0;
        for (int row = 0; row < b; row++) {
            for (int col = row + 1; col < b; col++) {
                map[i * b * b + row * b + col] = scale;
                map[i * b * b + col * b + row] = -scale;
                i++;
            }
        }
        return manager.create(map, new Shape(n, (long) b * b));
    }

    @Override
    public void close() {
        weight.close();
        skewMap.close();
        skewMap2.close();
        identity.close();
    }
}
