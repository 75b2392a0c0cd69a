package io.tuneforge.web.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.tuneforge.core.job.FineTuningMethod;
import io.tuneforge.core.job.JobOverview;
import io.tuneforge.core.job.JobPhase;
import io.tuneforge.core.job.JobStatus;
import io.tuneforge.core.job.PhaseProgress;
import java.time.Instant;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class JobProgressTextTest {

    private static final Instant STARTED = Instant.parse("2026-12-07T10:00:00Z");

    private static JobOverview running(Optional<PhaseProgress> phase) {
        return new JobOverview(1, "job", 1, "team", 1, "owner", JobStatus.RUNNING, Optional.empty(),
                FineTuningMethod.LORA, 1, "stories260K", 1, "identity v1", "{}", 0, 1, 1, 3, Optional.empty(),
                OptionalInt.empty(), Optional.of(1L), Optional.of("w"), 30, 30, 1000, phase, 0, Optional.empty(),
                Optional.empty(), STARTED, Optional.of(STARTED), Optional.empty());
    }

    @Test
    void afterTrainingThePredictionsPhaseShowsItsCountItsTimeLeftAndTheTimeElapsed() {
        Instant now = STARTED.plusSeconds(200);
        JobOverview job = running(Optional.of(new PhaseProgress(JobPhase.PREDICTING, 8, 32,
                Optional.of(now.plusSeconds(45)))));

        assertThat(JobProgressText.describe(job, now))
                .isEqualTo("predicting 8 / 32 answers · about 45s left · 3m 20s elapsed");
        assertThat(JobProgressText.fraction(job)).isEqualTo(0.25);
    }

    @Test
    void theElapsedTimeAndTimeLeftMoveWithTheClockBetweenReports() {
        JobOverview job = running(Optional.of(new PhaseProgress(JobPhase.MERGING, 3, 12,
                Optional.of(STARTED.plusSeconds(100)))));

        assertThat(JobProgressText.describe(job, STARTED.plusSeconds(60)))
                .isEqualTo("merging 3 / 12 tensors · about 40s left · 1m 0s elapsed");
        assertThat(JobProgressText.describe(job, STARTED.plusSeconds(61)))
                .isEqualTo("merging 3 / 12 tensors · about 39s left · 1m 1s elapsed");
    }

    @Test
    void trainingShowsStepsAndAJobWithoutPhaseReportFallsBackToSteps() {
        JobOverview training = running(Optional.of(new PhaseProgress(JobPhase.TRAINING, 30, 30, Optional.empty())));

        assertThat(JobProgressText.describe(training, STARTED.plusSeconds(5))).isEqualTo("step 30 / 30 · 5s elapsed");
        assertThat(JobProgressText.describe(running(Optional.empty()), STARTED.plusSeconds(5)))
                .isEqualTo("step 30 / 30 · 5s elapsed");
    }
}
