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

    /** Parses an {@code optim} name; {@code adamw_torch_fused} reads as {@code adamw_torch}. */
    public static OptimizerType fromConfigName(String name) {
        String wanted = name.trim().toLowerCase(Locale.ROOT);
        if (wanted.equals("adamw_torch_fused")) {
            return ADAMW_TORCH;
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
     * @param adamW      AdamW's betas and epsilon (read by adamw_torch only)
     * @param groups     per-parameter learning-rate scale and weight decay
     * @param parent     long-lived manager for the optimizer state
     */
    public ParameterOptimizer create(SequencedMap<String, NDArray> parameters, AdamWConfig adamW,
                                     ParameterGroups groups, NDManager parent) {
        return switch (this) {
            case ADAMW_TORCH -> new AdamW(parameters, adamW, groups, parent);
            case SGD -> new Sgd(parameters, groups, parent);
            case ADAFACTOR -> new Adafactor(parameters, groups, parent);
        };
    }
}
