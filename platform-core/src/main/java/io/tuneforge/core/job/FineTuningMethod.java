package io.tuneforge.core.job;

import io.tuneforge.core.platform.LowercaseEnumConverter;
import io.tuneforge.shared.recipe.RecipeMethod.FinetuningType;
import jakarta.persistence.Converter;

/**
 * How a job trains: LoRA adapters, all weights, only the last layers, a prefix (prefix tuning), bottleneck
 * adapters or OFT rotations. The job's column; the recipe's
 * {@code finetuning_type} says the same ({@link #of}, {@link #recipeType}).
 */
public enum FineTuningMethod {
    LORA,
    FULL,
    FREEZE,
    PREFIX,
    ADAPTER,
    OFT;

    /** The method of a recipe's fine-tuning type. */
    public static FineTuningMethod of(FinetuningType type) {
        return valueOf(type.name());
    }

    /** The recipe's fine-tuning type of this method. */
    public FinetuningType recipeType() {
        return FinetuningType.valueOf(name());
    }

    @Converter(autoApply = true)
    static class Column extends LowercaseEnumConverter<FineTuningMethod> {
        Column() {
            super(FineTuningMethod.class);
        }
    }
}
