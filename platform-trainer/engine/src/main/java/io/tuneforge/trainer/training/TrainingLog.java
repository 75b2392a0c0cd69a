package io.tuneforge.trainer.training;

import java.time.Duration;
import java.util.Map;

/**
 * One logging step (every {@code logging_steps}), the numbers of LLaMA-Factory's {@code trainer_log.jsonl}.
 *
 * @param step            optimizer steps completed
 * @param totalSteps      optimizer steps planned
 * @param epoch           fractional epoch reached (2.5 = half-way through the third epoch)
 * @param loss            mean training loss per target token over the steps since the previous log
 * @param learningRate    learning rate of the last step
 * @param gradNorm        global gradient norm of the last step, before clipping
 * @param tokensPerSecond input tokens (padding excluded) per second since the previous log
 * @param tokensSeen      input tokens consumed since the run began
 * @param elapsed         training time so far (all resumed sessions together)
 * @param eta             estimated time to the last step: mean step time of this session × steps left
 * @param metrics         stage metrics by TRL's names (preference training: {@code rewards/chosen}, ...), means over
 *                        the steps since the previous log; empty for supervised training
 */
public record TrainingLog(long step, long totalSteps, double epoch, double loss, double learningRate, double gradNorm,
                          double tokensPerSecond, long tokensSeen, Duration elapsed, Duration eta,
                          Map<String, Double> metrics) {

    public TrainingLog {
        metrics = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(metrics));
    }

    /** A log without stage metrics (supervised training). */
    public TrainingLog(long step, long totalSteps, double epoch, double loss, double learningRate, double gradNorm,
                       double tokensPerSecond, long tokensSeen, Duration elapsed, Duration eta) {
        this(step, totalSteps, epoch, loss, learningRate, gradNorm, tokensPerSecond, tokensSeen, elapsed, eta,
                Map.of());
    }
}
