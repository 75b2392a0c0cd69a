package io.tuneforge.web.job;

import io.tuneforge.core.job.JobOverview;
import io.tuneforge.core.job.JobPhase;
import io.tuneforge.core.job.JobStatus;
import io.tuneforge.core.job.PhaseProgress;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * How far a job is, in words and as a fraction, the same on the job page and the dashboard: the phase it is in
 * (training, evaluating, merging, predicting, exporting GGUF) with its count and the time its worker expects it to
 * take, the time elapsed since the job started, or the place in the queue.
 */
public final class JobProgressText {

    private JobProgressText() {
    }

    /** The phase a running job reports; empty when it is not running or has not reported one yet. */
    static Optional<PhaseProgress> runningPhase(JobOverview job) {
        return job.status() == JobStatus.RUNNING ? job.phase() : Optional.empty();
    }

    /** The progress bar's value: the running phase's fraction, else the training steps'. */
    public static double fraction(JobOverview job) {
        return runningPhase(job).map(PhaseProgress::fraction).orElse(job.progress());
    }

    /**
     * "predicting 12 / 32 answers · about 40s left · 5m 3s elapsed", "step 40 / 120 · 1m 20s elapsed", or the place
     * in the queue while waiting.
     */
    public static String describe(JobOverview job, Instant now) {
        if (job.status() == JobStatus.QUEUED) {
            return job.placeInQueue().isPresent() ? "Waiting: place " + job.placeInQueue().getAsInt() + " in the queue"
                    : "Waiting in the queue";
        }
        Optional<PhaseProgress> phase = runningPhase(job);
        StringBuilder text = new StringBuilder(phase.filter(p -> p.phase() != JobPhase.TRAINING)
                .map(PhaseProgress::describe)
                .orElse("step " + job.currentStep() + " / " + (job.totalSteps() > 0 ? job.totalSteps() : "?")));
        Optional<Duration> left = phase.flatMap(p -> p.remaining(now)).or(() -> stepsLeft(job, now));
        left.ifPresent(l -> text.append(" · about ").append(human(l)).append(" left"));
        job.startedAt().ifPresent(started -> text.append(" · ")
                .append(human(Duration.between(started, job.finishedAt().orElse(now)))).append(" elapsed"));
        return text.toString();
    }

    /** Training without a phase report (an older worker): time so far × steps left / steps done. */
    private static Optional<Duration> stepsLeft(JobOverview job, Instant now) {
        if (job.status() != JobStatus.RUNNING || job.currentStep() <= 0 || job.totalSteps() <= job.currentStep()
                || job.startedAt().isEmpty()) {
            return Optional.empty();
        }
        Duration elapsed = Duration.between(job.startedAt().get(), now);
        return Optional.of(elapsed.multipliedBy(job.totalSteps() - job.currentStep()).dividedBy(job.currentStep()));
    }

    /** "45s", "3m 5s", "2h 10m". */
    public static String human(Duration duration) {
        long seconds = Math.max(0, duration.toSeconds());
        if (seconds < 60) {
            return seconds + "s";
        }
        if (seconds < 3600) {
            return (seconds / 60) + "m " + (seconds % 60) + "s";
        }
        return (seconds / 3600) + "h " + (seconds % 3600 / 60) + "m";
    }
}
