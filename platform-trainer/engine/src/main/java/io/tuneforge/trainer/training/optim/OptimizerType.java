package io.tuneforge.trainer.training.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import java.util.Arrays;
import java.util.Locale;
import java.util.SequencedMap;
import java.util.stream.Collectors;

/** Hugging Face's {@code optim} names TuneForge trains with, and the optimizer each builds. */
public enum OptimizerType {
    /** PyTorch's AdamW (two fp32 moments per weight). {@code adamw_torch_fused} is the same maths. */
    ADAMW_TORCH("adamw_torch"),
    /**
     * bitsandbytes' AdamW with 8-bit blockwise-quantized moments (about 2 bytes of state per weight instead of 8).
     * {@code adamw_bnb_8bit} is the same optimizer, and so is {@code paged_adamw_8bit}: paging moves CUDA optimizer
     * state to host memory under GPU memory pressure; on the CPU the state already lives in host memory.
     */
    ADAMW_8BIT("adamw_8bit"),
    /**
     * bitsandbytes' AdamW with 32-bit moments ({@code paged_adamw_32bit}, paging being a no-op on the CPU): AdamW's maths
     * in bitsandbytes' operation order.
     */
    PAGED_ADAMW_32BIT("paged_adamw_32bit"),
    /** Plain SGD: no optimizer state. */
    SGD("sgd"),
    /** Adafactor with a factored second moment (rows + columns per matrix) and no first moment. */
    ADAFACTOR("adafactor");

    private final String configName;

    OptimizerType(String configName) {
        this.configName = configName;
    }

    /** The name used in configs ({@code optim}). */
    public String configName() {
        return configName;
    }

    /** Hugging Face names that build the same optimizer as another ({@link #fromConfigName}). */
    public static final java.util.Map<String, OptimizerType> ALIASES = java.util.Map.of(
            "adamw_torch_fused", ADAMW_TORCH, "adamw_bnb_8bit", ADAMW_8BIT, "paged_adamw_8bit", ADAMW_8BIT);

    /**
     * Parses an {@code optim} name; {@code adamw_torch_fused} reads as {@code adamw_torch}, {@code adamw_bnb_8bit} and
     * {@code paged_adamw_8bit} as {@code adamw_8bit}.
     */
    public static OptimizerType fromConfigName(String name) {
        String wanted = name.trim().toLowerCase(Locale.ROOT);
        if (ALIASES.containsKey(wanted)) {
            return ALIASES.get(wanted);
        }
        for (OptimizerType type : values()) {
            if (type.configName.equals(wanted)) {
                return type;
            }
        }
        throw new IllegalArgumentException("Unknown optim '" + name + "': use one of "
                + Arrays.stream(values()).map(OptimizerType::configName).collect(Collectors.joining(", ")));
    }

    /**
     * The optimizer over these parameters.
     *
     * @param parameters trainable parameters by stable name
     * @param adamW      AdamW's betas and epsilon (read by the AdamW variants)
     * @param groups     per-parameter learning-rate scale and weight decay
     * @param parent     long-lived manager for the optimizer state
     */
    public ParameterOptimizer create(SequencedMap<String, NDArray> parameters, AdamWConfig adamW,
                                     ParameterGroups groups, NDManager parent) {
        return switch (this) {
            case ADAMW_TORCH -> new AdamW(parameters, adamW, groups, parent);
            case ADAMW_8BIT -> new AdamW8bit(parameters, adamW, groups, true, parent);
            case PAGED_ADAMW_32BIT -> new AdamW8bit(parameters, adamW, groups, false, parent);
            case SGD -> new Sgd(parameters, groups, parent);
            case ADAFACTOR -> new Adafactor(parameters, groups, parent);
        };
    }
}
