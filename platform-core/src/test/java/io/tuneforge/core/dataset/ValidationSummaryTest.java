package io.tuneforge.core.dataset;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ValidationSummaryTest {

    @Test
    void countsPerKindSurviveTheStoredJson() {
        ValidationSummary report = new ValidationSummary(3, 1,
                List.of(new ValidationSummary.Problem(2, "output", "Required field 'output' is missing")),
                Map.of("MISSING_FIELD", 1L, "DUPLICATE_ROW", 1L));

        assertThat(ValidationSummary.fromJson(report.toJson())).isEqualTo(report);
    }

    @Test
    void aReportStoredBeforeCountsPerKindReadsWithNoCounts() {
        ValidationSummary report = ValidationSummary.fromJson(
                "{\"rows\":2,\"problemCount\":1,\"problems\":[{\"row\":2,\"field\":\"output\",\"reason\":\"Missing\"}]}");

        assertThat(report.problemCount()).isEqualTo(1);
        assertThat(report.problems()).extracting(ValidationSummary.Problem::field).containsExactly("output");
        assertThat(report.countsByKind()).isEmpty();
        assertThat(report.dropped()).isZero();
        assertThat(report.valid()).isFalse();
    }
}
