package io.tuneforge.shared.recipe;

import java.util.List;

/**
 * OFT's settings ({@code finetuning_type: oft}), LLaMA-Factory's keys as its {@code adapter.py} passes them to
 * PEFT's {@code OFTConfig}: {@code r: oft_rank}, {@code oft_block_size}, the target modules, {@code module_dropout}.
 *
 * @param rank          {@code oft_rank}: PEFT's r, the number of blocks per linear; 0 derives it from the block size
 * @param blockSize     {@code oft_block_size}: the size b of each rotated block (PEFT: one of rank and block size is 0)
 * @param targetModules {@code oft_target}: the linear modules that get a rotation (all, names, or one regular
 *                      expression, read as {@code lora_target})
 * @param moduleDropout {@code module_dropout}: PEFT's multiplicative block dropout (PEFT 0.21 does not apply it in
 *                      its forward, so neither does TuneForge; kept in the saved config)
 */
public record RecipeOft(int rank, int blockSize, List<String> targetModules, double moduleDropout) {

    public RecipeOft {
        targetModules = List.copyOf(targetModules);
    }

    static final RecipeField OFT_RANK = RecipeField.integer("oft_rank", Section.OFT, 0L, Range.between(0, 65_536),
            "OFT blocks", "PEFT's r: the number of rotated blocks per linear layer; 0 (the default) derives it from "
                    + "the block size. Set exactly one of this and the block size.");
    static final RecipeField OFT_BLOCK_SIZE = RecipeField.integer("oft_block_size", Section.OFT, 32L,
            Range.between(0, 65_536), "OFT block size", "Size of each rotated block (b(b−1)/2 trained values per "
                    + "block); a size that does not divide a layer's width moves to the nearest divisor, as in PEFT.");
    static final RecipeField OFT_TARGET = RecipeField.text("oft_target", Section.OFT, "all", "OFT target modules",
            "Linear modules whose input is rotated: all, a comma list (q_proj,v_proj) or one regular expression, "
                    + "as lora_target.");
    static final RecipeField MODULE_DROPOUT = RecipeField.decimal("module_dropout", Section.OFT, 0.0,
            Range.fromBelow(0, 1), "OFT block dropout", "PEFT's module_dropout (multiplicative dropout of whole "
                    + "blocks). PEFT 0.21 builds it but never applies it, and TuneForge does the same.");

    /** The OFT keys; {@code chosen} (finetuning_type oft) checks them as PEFT's OFTConfig does. */
    static RecipeOft from(RecipeValues v, boolean chosen) {
        int rank = (int) v.integer(OFT_RANK);
        int blockSize = (int) v.integer(OFT_BLOCK_SIZE);
        if (chosen && (rank == 0) == (blockSize == 0)) {
            throw OFT_BLOCK_SIZE.refused(blockSize, v.source(), "a positive block size with oft_rank 0, or 0 with a "
                    + "positive oft_rank (PEFT needs exactly one of them; oft_rank is " + rank + ")");
        }
        return new RecipeOft(rank, blockSize, RecipeMethod.targets(OFT_TARGET, v), v.decimal(MODULE_DROPOUT));
    }

    /** The job page's name of the method: {@code OFT b=32}, {@code OFT r=4 on q_proj,v_proj}. */
    public String describe() {
        String size = rank == 0 ? "b=" + blockSize : "r=" + rank;
        String targets = targetModules.equals(RecipeMethod.LINEAR_MODULES) ? ""
                : " on " + String.join(",", targetModules);
        return "OFT " + size + targets;
    }
}
