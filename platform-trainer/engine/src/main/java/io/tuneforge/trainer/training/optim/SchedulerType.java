package io.tuneforge.trainer.training.optim;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Learning-rate schedules with Hugging Face {@code transformers.get_scheduler} semantics (LLaMA-Factory's
 * {@code lr_scheduler_type}). Each maps an optimizer step to a multiplier of the base learning rate.
 */
public enum SchedulerType {
    /** Linear warmup from 0, then linear decay to 0 at the last step. */
    LINEAR("linear"),
    /** Linear warmup from 0, then half a cosine wave down to 0 at the last step. */
    COSINE("cosine"),
    /** The base learning rate throughout; warmup is ignored (as Hugging Face's {@code constant}). */
    CONSTANT("constant"),
    /** Linear warmup from 0, then the base learning rate. */
    CONSTANT_WITH_WARMUP("constant_with_warmup");

    private final String configName;

    SchedulerType(String configName) {
        this.configName = configName;
    }

    /** The name used in configs ({@code lr_scheduler_type}). */
    public String configName() {
        return configName;
    }

    /** Parses a config name such as {@code cosine}; the message lists the accepted names. */
    public static SchedulerType fromConfigName(String name) {
        String wanted = name.trim().toLowerCase(Locale.ROOT);
        for (SchedulerType type : values()) {
            if (type.configName.equals(wanted)) {
                return type;
            }
        }
        throw new IllegalArgumentException("Unknown lr_scheduler_type '" + name + "': use one of "
                + Arrays.stream(values()).map(SchedulerType::configName).collect(Collectors.joining(", ")));
    }
}
