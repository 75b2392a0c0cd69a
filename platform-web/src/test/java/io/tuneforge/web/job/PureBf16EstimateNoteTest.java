package io.tuneforge.web.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.tuneforge.core.job.FineTuningMethod;
import io.tuneforge.core.job.JobSubmission;

import java.util.Map;

import org.junit.jupiter.api.Test;

/** The New job estimate says plainly that pure_bf16's trained weights cost float32 memory (DD040). */
class PureBf16EstimateNoteTest {

    private static JobSubmission job(FineTuningMethod method, Map<String, Object> configuration) {
        return JobSubmission.of("pure", 1L, 1L, method, configuration);
    }

    @Test
    void fullAndFreezeUnderPureBf16AreSaidToTakeFloat32Memory() {
        assertThat(NewJobView.pureBf16Note(job(FineTuningMethod.FULL, Map.of("pure_bf16", true))))
                .contains("pure_bf16").contains("float32 arrays").contains("memory is that of float32");
        assertThat(NewJobView.pureBf16Note(job(FineTuningMethod.FREEZE, Map.of("pure_bf16", "true")))).isNotEmpty();
    }

    @Test
    void adaptersAndJobsWithoutPureBf16GetNoNote() {
        assertThat(NewJobView.pureBf16Note(job(FineTuningMethod.LORA, Map.of("pure_bf16", true)))).isEmpty();
        assertThat(NewJobView.pureBf16Note(job(FineTuningMethod.FULL, Map.of("bf16", true)))).isEmpty();
        assertThat(NewJobView.pureBf16Note(job(FineTuningMethod.FULL, Map.of("pure_bf16", false)))).isEmpty();
    }
}
