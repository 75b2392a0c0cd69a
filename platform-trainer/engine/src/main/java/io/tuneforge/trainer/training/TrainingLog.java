package io.tuneforge.trainer.training;

import java.time.Duration;

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
 */
public record TrainingLog(long step, long totalSteps, double epoch, double loss, double learningRate, double gradNorm,
                          double tokensPerSecond, long tokensSeen, Duration elapsed, Duration eta) {
}
