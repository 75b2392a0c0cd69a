package io.tuneforge.trainer.training;

import java.io.PrintStream;
import java.util.Locale;

/** Prints one human-readable line per log, evaluation and checkpoint (for the {@code train} command's console). */
public final class ProgressPrinter implements TrainingListener {

    private final PrintStream out;

    public ProgressPrinter(PrintStream out) {
        this.out = out;
    }

    @Override
    public void onTrainingStarted(TrainingPlan plan) {
        out.printf(Locale.ROOT, "training %d steps (%d per epoch) on %d samples, %d trainable parameters%s%n",
                plan.totalSteps(), plan.stepsPerEpoch(), plan.trainSamples(), plan.trainableParameters(),
                plan.startStep() > 0 ? ", resuming after step " + plan.startStep() : "");
    }

    @Override
    public void onLog(TrainingLog log) {
        out.printf(Locale.ROOT, "step %d/%d  epoch %.2f  loss %.4f  lr %.3e  grad_norm %.4f  %.0f tok/s  "
                        + "elapsed %s  eta %s%n", log.step(), log.totalSteps(), log.epoch(), log.loss(),
                log.learningRate(), log.gradNorm(), log.tokensPerSecond(),
                TrainerLogWriter.hms(log.elapsed().toSeconds()), TrainerLogWriter.hms(log.eta().toSeconds()));
    }

    @Override
    public void onEvaluation(EvaluationResult result) {
        out.printf(Locale.ROOT, "eval at step %d  loss %.4f  perplexity %.3f%s%n", result.step(), result.loss(),
                result.perplexity(), result.best() ? "  (best)" : "");
    }

    @Override
    public void onCheckpointSaved(CheckpointSaved event) {
        out.printf(Locale.ROOT, "saved %s%n", event.directory());
    }

    @Override
    public void onTrainingFinished(TrainingResult result) {
        out.printf(Locale.ROOT, "%s after %d/%d steps; output in %s%n", result.status().name().toLowerCase(Locale.ROOT),
                result.steps(), result.totalSteps(), result.outputDir());
    }
}
