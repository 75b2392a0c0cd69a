package io.tuneforge.trainer.model.oft;

import io.tuneforge.shared.recipe.RecipeMethod;
import io.tuneforge.trainer.model.HfWeightNames;

import java.util.List;

/**
 * Orthogonal fine-tuning (Qiu et al., OFT; PEFT 0.21's {@code OFTConfig} as LLaMA-Factory builds it for
 * {@code finetuning_type: oft}): each targeted linear's input is rotated by a trained block-diagonal matrix before the
 * frozen weight.
 *
 * @param rank                  PEFT's {@code r}: the number of blocks per linear, or 0 to derive it from
 *                              {@code blockSize} (LLaMA-Factory's {@code oft_rank}, default 0); exactly one of the two
 *                              is non-zero, as PEFT requires
 * @param blockSize             PEFT's {@code oft_block_size} (LLaMA-Factory's {@code oft_block_size}, default 32), or 0
 *                              to derive it from {@code rank}
 * @param targetModules         linear module names or dotted suffixes, or one regular expression, matched as PEFT's
 *                              {@code target_modules} ({@link RecipeMethod#targetMatches})
 * @param moduleDropout         PEFT's {@code module_dropout}; PEFT 0.21 builds its multiplicative dropout layer but its
 *                              forward never applies it, so it is recorded in the config and has no effect, as in PEFT
 * @param useCayleyNeumann      R from the truncated Neumann series of the Cayley transform (PEFT's default) rather
 *                              than the exact (I − Q)(I + Q)⁻¹
 * @param numCayleyNeumannTerms terms of that series (PEFT's default 5: R = I + 2Q + 2Q² + 2Q³ + Q⁴)
 * @param blockShare            one rotation shared by every block of a linear (weight (1, b(b−1)/2))
 */
public record OftConfig(int rank, int blockSize, List<String> targetModules, double moduleDropout,
                        boolean useCayleyNeumann, int numCayleyNeumannTerms, boolean blockShare) {

    /** PEFT's and LLaMA-Factory's default block size. */
    public static final int DEFAULT_BLOCK_SIZE = 32;

    public OftConfig {
        targetModules = List.copyOf(targetModules);
        if ((rank == 0) == (blockSize == 0) || rank < 0 || blockSize < 0) {
            throw new IllegalArgumentException("OFT needs exactly one of oft_rank (" + rank + ") and oft_block_size ("
                    + blockSize + ") set to a positive value, the other 0, as PEFT requires");
        }
        if (targetModules.isEmpty()) {
            throw new IllegalArgumentException("OFT needs at least one target module (oft_target)");
        }
        if (moduleDropout < 0 || moduleDropout >= 1) {
            throw new IllegalArgumentException("module_dropout must be in [0, 1), got " + moduleDropout);
        }
        if (numCayleyNeumannTerms < 1) {
            throw new IllegalArgumentException("num_cayley_neumann_terms must be at least 1, got "
                    + numCayleyNeumannTerms);
        }
    }

    /** LLaMA-Factory's OFT: {@code r: oft_rank}, {@code oft_block_size}, the targets, PEFT's other defaults. */
    public static OftConfig of(int rank, int blockSize, List<String> targetModules) {
        return new OftConfig(rank, blockSize, targetModules, 0.0, true, 5, false);
    }

    /** Every decoder linear of a Llama ({@code oft_target: all}), PEFT's default block size. */
    public static OftConfig allLinears(int blockSize) {
        return of(0, blockSize, HfWeightNames.LINEAR_MODULES);
    }

    /** Whether PEFT would adapt the module at this path ({@code check_target_module_exists}). */
    public boolean targets(String modulePath) {
        return RecipeMethod.targetMatches(targetModules, modulePath);
    }

    /** Whether the targets are one regular expression (PEFT's {@code str} target_modules). */
    public boolean isPattern() {
        return targetModules.size() == 1 && RecipeMethod.isTargetPattern(targetModules.getFirst());
    }

    /** This config with other target modules (a family's own names for "all"). */
    public OftConfig withTargetModules(List<String> modules) {
        return new OftConfig(rank, blockSize, modules, moduleDropout, useCayleyNeumann, numCayleyNeumannTerms,
                blockShare);
    }

    /**
     * The block size PEFT uses on a linear with {@code inFeatures} inputs ({@code OFTLayer.update_layer}): the
     * configured one, or in / r; a value that does not divide in moves to the nearest divisor
     * ({@code adjust_oft_parameters}, ties to the lower one), as PEFT does with a warning.
     */
    public int blockSizeFor(long inFeatures) {
        int in = Math.toIntExact(inFeatures);
        if (rank == 0) {
            return adjust(in, blockSize);
        }
        return in / adjust(in, rank);
    }

    /** PEFT's {@code adjust_oft_parameters}: {@code value} if it divides {@code in}, else the nearest divisor. */
    static int adjust(int in, int value) {
        if (in % value == 0 && value <= in) {
            return value;
        }
        if (value >= in) {
            return in;
        }
        int higher = value;
        while (higher <= in && in % higher != 0) {
            higher++;
        }
        int lower = value;
        while (lower > 1 && in % lower != 0) {
            lower--;
        }
        return (value - lower) <= (higher - value) ? lower : higher;
    }
}
