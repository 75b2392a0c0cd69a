package io.tuneforge.trainer.cli;

import io.tuneforge.trainer.training.CheckpointSaved;
import io.tuneforge.trainer.training.EvaluationResult;
import io.tuneforge.trainer.training.TrainingListener;
import io.tuneforge.trainer.training.TrainingLog;
import io.tuneforge.trainer.training.TrainingPlan;
import io.tuneforge.trainer.training.TrainingResult;

import java.io.PrintStream;
import java.util.Locale;

/**
 * A one-line progress bar for the terminal (stderr), redrawn in place at every logging step:
 * {@code [#######.....] 40/100 40% loss 2.3141 lr 4.2e-05 00:01:10<00:01:45}. Evaluations and checkpoints print on
 * their own lines above it.
 */
final class ConsoleProgressBar implements TrainingListener {

    private static final int WIDTH = 30;

    private final PrintStream out;
    private String lastBar = "";

    ConsoleProgressBar(PrintStream out) {
        this.out = out;
    }

    @Override
    public void onTrainingStarted(TrainingPlan plan) {
        out.printf(Locale.ROOT, "training %d steps (%d per epoch) on %d samples (%d for evaluation), "
                        + "%,d trainable parameters%s%n", plan.totalSteps(), plan.stepsPerEpoch(), plan.trainSamples(),
                plan.evalSamples(), plan.trainableParameters(),
                plan.startStep() > 0 ? ", resuming after step " + plan.startStep() : "");
        draw(plan.startStep(), plan.totalSteps(), "");
    }

    @Override
    public void onLog(TrainingLog log) {
        draw(log.step(), log.totalSteps(), String.format(Locale.ROOT, " loss %.4f lr %.1e %s<%s", log.loss(),
                log.learningRate(), hms(log.elapsed().toSeconds()),
                hms(log.eta().toSeconds())));
    }

    @Override
    public void onEvaluation(EvaluationResult result) {
        above(String.format(Locale.ROOT, "eval at step %d: loss %.4f%s", result.step(), result.loss(),
                result.best() ? " (best)" : ""));
    }

    @Override
    public void onCheckpointSaved(CheckpointSaved event) {
        above("saved " + event.directory());
    }

    @Override
    public void onTrainingFinished(TrainingResult result) {
        out.println();
        out.printf(Locale.ROOT, "%s after %d/%d steps; output in %s%n",
                result.status().name().toLowerCase(Locale.ROOT), result.steps(), result.totalSteps(), result.outputDir());
        out.flush();
    }

    /** {@code H:MM:SS}. */
    static String hms(long seconds) {
        return String.format(Locale.ROOT, "%d:%02d:%02d", seconds / 3600, (seconds / 60) % 60, seconds % 60);
    }

    private void above(String line) {
        out.print("\r" + " ".repeat(lastBar.length()) + "\r");
        out.println(line);
        out.print(lastBar);
        out.flush();
    }

    private void draw(long step, long total, String suffix) {
        int filled = total <= 0 ? 0 : (int) (WIDTH * step / total);
        String bar = String.format(Locale.ROOT, "[%s%s] %d/%d %3d%%%s", "#".repeat(filled), ".".repeat(WIDTH - filled),
                step, total, total <= 0 ? 0 : 100 * step / total, suffix);
        String padding = bar.length() < lastBar.length() ? " ".repeat(lastBar.length() - bar.length()) : "";
        out.print("\r" + bar + padding);
        out.flush();
        lastBar = bar;
    }
}
