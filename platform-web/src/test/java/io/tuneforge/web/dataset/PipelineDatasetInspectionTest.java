package io.tuneforge.web.dataset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.tuneforge.core.dataset.DatasetInspector;
import io.tuneforge.core.dataset.DatasetService;
import io.tuneforge.core.dataset.DatasetVersion;
import io.tuneforge.core.dataset.DatasetRejectedException;
import io.tuneforge.core.dataset.ValidationSummary;
import io.tuneforge.core.dataset.VersionDetails;
import io.tuneforge.core.team.TeamRepository;
import io.tuneforge.core.user.Actor;
import io.tuneforge.core.user.Role;
import io.tuneforge.core.user.UserAccountService;
import io.tuneforge.shared.dataset.DatasetFormat;
import io.tuneforge.trainer.data.platform.PipelineDatasetInspector;
import io.tuneforge.web.testing.SignedIn;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

/** Uploads in the platform are checked by the data pipeline's validator, with its line, field and reason per row. */
@SpringBootTest
class PipelineDatasetInspectionTest {

    @Autowired
    DatasetService datasets;

    @Autowired
    DatasetInspector inspector;

    @Autowired
    UserAccountService accounts;

    @Autowired
    TeamRepository teams;

    Actor actor;

    @BeforeEach
    void signIn() {
        actor = SignedIn.as(Role.MEMBER, accounts, teams);
    }

    @AfterEach
    void signOut() {
        SignedIn.signOut();
    }

    @Test
    void thePlatformReadsDatasetsWithTheDataPipeline() {
        assertThat(inspector).isInstanceOf(PipelineDatasetInspector.class);
    }

    @Test
    void aBadRowInAnUploadIsReportedWithRecordLineFieldAndThePipelinesReason() {
        String broken = """
                [
                  {"instruction": "hi", "output": "hello"},
                  {"instruction": "no answer"},
                  {"instruction": "a number", "output": 3}
                ]
                """;

        ValidationSummary report = catchThrowableOfType(DatasetRejectedException.class,
                () -> upload("broken.json", broken, Optional.of(DatasetFormat.ALPACA))).report();

        assertThat(report.rows()).isEqualTo(3);
        assertThat(report.problemCount()).isEqualTo(2);
        assertThat(report.problems()).containsExactly(
                new ValidationSummary.Problem(2, "output", "Required field 'output' is missing (line 3)"),
                new ValidationSummary.Problem(3, "output", "'output' must be text, found a number (line 4)"));
        assertThat(report.countsByKind()).isEqualTo(Map.of("MISSING_FIELD", 1L, "WRONG_TYPE", 1L));
        assertThat(datasets.list(actor)).isEmpty();
    }

    @Test
    void keepingOnlyTheValidRowsStoresThemAsJsonLinesTheTrainerReads() throws Exception {
        VersionDetails version = datasets.upload(actor, "pipeline-kept", "kept.csv", new ByteArrayInputStream("""
                instruction,output
                hi,hello
                no answer,
                bye,see you
                """.getBytes(StandardCharsets.UTF_8)), Optional.empty(), true);

        assertThat(version.status()).isEqualTo(DatasetVersion.Status.VALID);
        assertThat(version.report().rows()).isEqualTo(2);
        assertThat(version.report().dropped()).isEqualTo(1);
        assertThat(Files.readAllLines(datasets.sourceFile(actor, version.id()))).hasSize(2);
        assertThat(datasets.preview(actor, version.id(), 5)).extracting(r -> r.value().path("output").asString())
                .containsExactly("hello", "see you");
    }

    @Test
    void aRepeatedRowIsAWarningThatKeepsTheUploadValid() {
        VersionDetails version = upload("repeated.jsonl", """
                {"instruction": "hi", "output": "hello"}
                {"instruction": "hi", "output": "hello"}
                """, Optional.empty());

        assertThat(version.status()).isEqualTo(DatasetVersion.Status.VALID);
        assertThat(version.report().problemCount()).isZero();
        assertThat(version.report().problems()).singleElement().satisfies(problem -> {
            assertThat(problem.row()).isEqualTo(2);
            assertThat(problem.reason()).startsWith("Warning: ");
        });
        assertThat(version.report().countsByKind()).containsEntry("DUPLICATE_ROW", 1L);
    }

    private VersionDetails upload(String fileName, String content, Optional<DatasetFormat> format) {
        return datasets.upload(actor, "pipeline-" + fileName.replace('.', '-'), fileName,
                new ByteArrayInputStream(content.getBytes(StandardCharsets.UTF_8)), format);
    }
}
