package io.tuneforge.trainer.worker;

import static org.assertj.core.api.Assertions.assertThat;

import io.tuneforge.core.job.JobPhase;
import io.tuneforge.core.job.Lease;
import io.tuneforge.core.job.PhaseProgress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The end of each phase is estimated from that phase's own pace: time so far / units so far × units left. */
class JobExecutionPhaseTest {

    private static final Instant T0 = Instant.parse("2026-12-07T10:00:00Z");

    /** A clock the test moves by hand. */
    private static final class ManualClock extends Clock {
        Instant now = T0;

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        void advance(long seconds) {
            now = now.plusSeconds(seconds);
        }
    }

    private final ManualClock clock = new ManualClock();
    // phase() touches neither the queue, the metrics, the store nor the events
    private final JobExecution execution = new JobExecution(new Lease(1, 1, 1, 1), null, Optional.empty(),
            List.of(-1), null, null, null, null, 10, clock);

    @Test
    void aPhaseHasNoEndEstimateUntilItHasDoneAUnit() {
        execution.phase(JobPhase.PREDICTING, 0, 32);

        PhaseProgress phase = execution.currentPhase().orElseThrow();
        assertThat(phase.phase()).isEqualTo(JobPhase.PREDICTING);
        assertThat(phase.endsAt()).isEmpty();
    }

    @Test
    void theEndEstimateFollowsThePhasesOwnPace() {
        execution.phase(JobPhase.PREDICTING, 0, 32);
        clock.advance(16);
        execution.phase(JobPhase.PREDICTING, 8, 32); // 2 s per answer, 24 answers left

        PhaseProgress phase = execution.currentPhase().orElseThrow();
        assertThat(phase.fraction()).isEqualTo(0.25);
        assertThat(phase.endsAt()).contains(clock.now.plusSeconds(48));
        assertThat(phase.remaining(clock.now)).contains(Duration.ofSeconds(48));
    }

    @Test
    void trainingKeepsItsClockAcrossEvaluationsAndEachEvaluationStartsItsOwn() {
        execution.phase(JobPhase.TRAINING, 0, 100);
        clock.advance(50);
        execution.phase(JobPhase.TRAINING, 50, 100);
        execution.phase(JobPhase.EVALUATING, 0, 10);
        clock.advance(10);
        execution.phase(JobPhase.EVALUATING, 10, 10);
        assertThat(execution.currentPhase().orElseThrow().endsAt()).contains(clock.now);

        clock.advance(40);
        execution.phase(JobPhase.TRAINING, 80, 100); // 100 s for 80 steps, evaluation included: 1.25 s a step
        assertThat(execution.currentPhase().orElseThrow().remaining(clock.now)).contains(Duration.ofSeconds(25));

        clock.advance(100);
        execution.phase(JobPhase.EVALUATING, 0, 10); // the next evaluation: a new clock
        clock.advance(5);
        execution.phase(JobPhase.EVALUATING, 5, 10);
        assertThat(execution.currentPhase().orElseThrow().remaining(clock.now)).contains(Duration.ofSeconds(5));
    }
}
