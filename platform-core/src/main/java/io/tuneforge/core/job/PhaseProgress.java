package io.tuneforge.core.job;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * How far a running job's current phase is, as its worker last reported it.
 *
 * @param phase  the phase
 * @param done   units done (steps, samples, tensors, answers: {@link JobPhase#unit()})
 * @param total  units in the phase (0 until known)
 * @param endsAt when the worker expects the phase to end, from its speed in this phase so far (empty until it has
 *               done a unit)
 */
public record PhaseProgress(JobPhase phase, long done, long total, Optional<Instant> endsAt) {

    /** From 0 to 1 (0 until the total is known). */
    public double fraction() {
        return total <= 0 ? 0 : Math.min(1.0, (double) done / total);
    }

    /** Time left at {@code now}; empty without an estimate. Never negative. */
    public Optional<Duration> remaining(Instant now) {
        return endsAt.map(end -> now.isAfter(end) ? Duration.ZERO : Duration.between(now, end));
    }

    /** "predicting 12 / 32 answers". */
    public String describe() {
        return phase.label() + " " + done + " / " + (total > 0 ? String.valueOf(total) : "?") + " " + phase.unit();
    }
}
