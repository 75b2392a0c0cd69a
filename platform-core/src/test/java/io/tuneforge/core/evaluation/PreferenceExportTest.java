package io.tuneforge.core.evaluation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tuneforge.core.artifact.ArtifactStore;
import io.tuneforge.core.dataset.DatasetService;
import io.tuneforge.core.evaluation.EvaluationService.ItemToRate;
import io.tuneforge.core.evaluation.EvaluationService.PreferenceExport;
import io.tuneforge.core.testing.JobFixtures;
import io.tuneforge.core.testing.JobFixtures.TeamSetup;
import io.tuneforge.core.testing.PredictionsFixtures;
import io.tuneforge.core.testing.PredictionsFixtures.Row;
import io.tuneforge.core.user.AccessRefusedException;
import io.tuneforge.core.user.Actor;
import io.tuneforge.core.user.Role;
import io.tuneforge.shared.dataset.DatasetFormat;
import io.tuneforge.shared.evaluation.EvaluationException;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Ratings as a preference dataset (DD030): per item the answer more raters preferred is chosen and the other
 * rejected, the prompt as rated; ties and unrated items are left out; the pairs are stored as a dataset version in
 * LLaMA-Factory's pairwise format, linked to the session.
 */
@SpringBootTest(properties = "tuneforge.queue.reaper.enabled=false")
class PreferenceExportTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static final List<Row> FOUR_ROWS = List.of(
            new Row("Human: What is 2+2?\nAssistant:", "4", "base says five", "tuned says four"),
            new Row("Human: Name a colour.\nAssistant:", "red", "base says blue", "tuned says red"),
            new Row("Human: Greet me.\nAssistant:", "hello", "base says hello", "tuned says hi"),
            new Row("Human: Count to two.\nAssistant:", "1 2", "base says 1 2", "tuned says 2 1"));

    @Autowired
    EvaluationService evaluation;

    @Autowired
    DatasetService datasets;

    @Autowired
    JdbcTemplate jdbc;

    @Autowired
    ArtifactStore store;

    PredictionsFixtures predictions;
    TeamSetup team;
    Actor member;
    Actor secondRater;

    @BeforeEach
    void setUp() {
        predictions = new PredictionsFixtures(jdbc, store);
        team = new JobFixtures(jdbc).team(1, "/nonexistent/model");
        member = team.as(Role.MEMBER);
        long second = predictions.member(team, "second-" + team.suffix());
        secondRater = new Actor(second, "second-" + team.suffix(), team.teamId(), Role.MEMBER);
    }

    @Test
    void thePreferredAnswerIsChosenTheOtherRejectedAndTiesAreLeftOut() throws Exception {
        long job = predictions.succeededJob(team, "support", FOUR_ROWS);
        long session = evaluation.start(member, job, "").id();
        prefer(member, session, 0, "tuned");            // tuned chosen
        prefer(member, session, 1, null);               // a tie: left out
        prefer(member, session, 2, "base");             // base chosen by both raters
        prefer(secondRater, session, 2, "base");
        prefer(member, session, 3, "tuned");            // raters split evenly: a tie, left out
        prefer(secondRater, session, 3, "base");

        PreferenceExport export = evaluation.exportPreferences(member, session);

        assertThat(export.pairs()).isEqualTo(2);
        assertThat(export.ties()).isEqualTo(2);
        assertThat(export.unrated()).isZero();
        assertThat(export.jobId()).isEqualTo(job);
        assertThat(export.version().datasetName()).isEqualTo("Blind A/B of support (preferences)");
        assertThat(export.version().format()).isEqualTo(DatasetFormat.PREFERENCE);
        assertThat(export.version().report().rows()).isEqualTo(2);
        assertThat(export.version().mapping().columns()).isEqualTo(Map.of("prompt", "instruction",
                "chosen", "chosen", "rejected", "rejected"));
        List<JsonNode> rows = rows(export);
        assertThat(rows).hasSize(2);
        assertThat(rows.get(0).path("instruction").asString()).isEqualTo("Human: What is 2+2?\nAssistant:");
        assertThat(rows.get(0).path("chosen").asString()).isEqualTo("tuned says four");
        assertThat(rows.get(0).path("rejected").asString()).isEqualTo("base says five");
        assertThat(rows.get(1).path("instruction").asString()).isEqualTo("Human: Greet me.\nAssistant:");
        assertThat(rows.get(1).path("chosen").asString()).isEqualTo("base says hello");
        assertThat(rows.get(1).path("rejected").asString()).isEqualTo("tuned says hi");
        assertThat(datasets.ratingSessionOf(member, export.version().id())).contains(session);
    }

    @Test
    void unratedItemsAreLeftOutAndCounted() {
        long session = evaluation.start(member, predictions.succeededJob(team, "partly", FOUR_ROWS), "").id();
        prefer(member, session, 1, "tuned");

        PreferenceExport export = evaluation.exportPreferences(member, session);

        assertThat(export.pairs()).isEqualTo(1);
        assertThat(export.unrated()).isEqualTo(3);
        assertThat(export.leftOut()).isEqualTo("3 unrated items");
    }

    @Test
    void anItemWithAnEmptyAnswerIsLeftOutAndCounted() {
        long job = predictions.succeededJob(team, "silent", List.of(
                new Row("Human: Say something.\nAssistant:", "", "", "tuned says something"),
                new Row("Human: Greet me.\nAssistant:", "", "base says hello", "tuned says hi")));
        long session = evaluation.start(member, job, "").id();
        prefer(member, session, 0, "tuned");
        prefer(member, session, 1, "tuned");

        PreferenceExport export = evaluation.exportPreferences(member, session);

        assertThat(export.pairs()).isEqualTo(1);
        assertThat(export.blank()).isEqualTo(1);
        assertThat(export.leftOut()).isEqualTo("1 item with an empty answer");
    }

    @Test
    void aSessionWithoutAPreferredAnswerIsRefusedAndStoresNothing() {
        long session = evaluation.start(member, predictions.succeededJob(team, "undecided", FOUR_ROWS), "").id();
        prefer(member, session, 0, null);

        assertThatThrownBy(() -> evaluation.exportPreferences(member, session))
                .isInstanceOf(EvaluationException.class)
                .hasMessageContaining("has no rated item with a preferred answer (1 ties, 3 of 4 items unrated)")
                .hasMessageContaining("ties are left out of a preference dataset");
        assertThat(jdbc.queryForObject("select count(*) from dataset_versions where rating_session_id = ?",
                Long.class, session)).isZero();
    }

    @Test
    void exportingTheSameRatingsAgainAnswersTheVersionThatHoldsThem() {
        long session = evaluation.start(member, predictions.succeededJob(team, "twice", FOUR_ROWS), "").id();
        prefer(member, session, 0, "tuned");

        PreferenceExport first = evaluation.exportPreferences(member, session);
        PreferenceExport again = evaluation.exportPreferences(member, session);
        prefer(member, session, 1, "base");
        PreferenceExport changed = evaluation.exportPreferences(member, session);

        assertThat(again.version().id()).isEqualTo(first.version().id());
        assertThat(changed.version().version()).isEqualTo(first.version().version() + 1);
        assertThat(changed.pairs()).isEqualTo(2);
    }

    @Test
    void aViewerCannotExport() {
        long session = evaluation.start(member, predictions.succeededJob(team, "viewed", FOUR_ROWS), "").id();
        prefer(member, session, 0, "tuned");

        assertThatThrownBy(() -> evaluation.exportPreferences(team.as(Role.VIEWER), session))
                .isInstanceOf(AccessRefusedException.class);
    }

    /** Rates an item preferring the named model's answer ("tuned", "base"), or a tie for null. */
    private void prefer(Actor rater, long session, int position, String model) {
        ItemToRate item = evaluation.item(rater, session, position);
        boolean tunedOnA = item.answerA().startsWith("tuned");
        Preference preference = model == null ? Preference.TIE
                : model.equals("tuned") == tunedOnA ? Preference.A : Preference.B;
        Scores three = new Scores(3, 3, 3, 3, 3);
        evaluation.rate(rater, item.itemId(), new RatingInput(three, three, preference, Optional.empty()));
    }

    private List<JsonNode> rows(PreferenceExport export) throws Exception {
        return Files.readAllLines(datasets.sourceFile(member, export.version().id())).stream()
                .map(JSON::readTree).toList();
    }
}
