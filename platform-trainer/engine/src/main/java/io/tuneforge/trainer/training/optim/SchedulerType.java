package io.tuneforge.trainer.training.optim;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Learning-rate schedules with Hugging Face {@code transformers.get_scheduler} semantics (LLaMA-Factory's
 * {@code lr_scheduler_type}). Each maps an optimizer step to a multiplier of the base learning rate, except
 * {@link #REDUCE_LR_ON_PLATEAU}, which follows the validation loss (see {@link ReduceLrOnPlateau}).
 */
public enum SchedulerType {
    /** Linear warmup from 0, then linear decay to 0 at the last step. */
    LINEAR("linear"),
    /** Linear warmup from 0, then half a cosine wave down to 0 at the last step. */
    COSINE("cosine"),
    /** Linear warmup, then {@code num_cycles} (1) cosine waves, each restarting at the peak. */
    COSINE_WITH_RESTARTS("cosine_with_restarts"),
    /** Linear warmup, then polynomial decay ({@code power} 1) from the peak to {@code lr_end} (1e-7). */
    POLYNOMIAL("polynomial"),
    /** The base learning rate throughout; warmup is ignored (as Hugging Face's {@code constant}). */
    CONSTANT("constant"),
    /** Linear warmup from 0, then the base learning rate. */
    CONSTANT_WITH_WARMUP("constant_with_warmup"),
    /** Linear warmup, then {@code 1/sqrt((step + timescale - warmup) / timescale)}. */
    INVERSE_SQRT("inverse_sqrt"),
    /** The base learning rate, multiplied by {@code factor} after {@code patience} evaluations without improvement. */
    REDUCE_LR_ON_PLATEAU("reduce_lr_on_plateau"),
    /** Linear warmup, then half a cosine wave down to {@code min_lr} (or {@code min_lr_rate} × the peak). */
    COSINE_WITH_MIN_LR("cosine_with_min_lr"),
    /**
     * As {@link #COSINE_WITH_MIN_LR}, but the warmup starts at {@code warmup_lr_rate} (default 1/warmup) and reaches the
     * peak on its last step, and the decay counts from the step after (Hugging Face's
     * {@code get_cosine_with_min_lr_schedule_with_warmup_lr_rate}).
     */
    COSINE_WARMUP_WITH_MIN_LR("cosine_warmup_with_min_lr"),
    /** Warmup, a stable phase at the peak, then a decay to {@code min_lr_ratio} × the peak (WSD). */
    WARMUP_STABLE_DECAY("warmup_stable_decay"),
    /**
     * Hugging Face's GreedyLR: no warmup; the rate rises after improving evaluations and falls on a plateau (see
     * {@link GreedyLr}).
     */
    GREEDY("greedy");

    /** Whether the schedule follows the validation loss instead of a per-step formula. */
    public boolean followsValidationLoss() {
        return this == REDUCE_LR_ON_PLATEAU || this == GREEDY;
    }

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
