package io.tuneforge.web.evaluate;

import static org.assertj.core.api.Assertions.assertThat;

import com.vaadin.browserless.SpringBrowserlessTest;
import io.tuneforge.core.artifact.ArtifactStore;
import io.tuneforge.core.evaluation.Criterion;
import io.tuneforge.core.evaluation.EvaluationService.EvaluableJob;
import io.tuneforge.core.evaluation.Preference;
import io.tuneforge.core.evaluation.SessionStatus;
import io.tuneforge.core.evaluation.Side;
import io.tuneforge.core.testing.JobFixtures;
import io.tuneforge.core.testing.JobFixtures.TeamSetup;
import io.tuneforge.core.testing.PredictionsFixtures;
import io.tuneforge.core.testing.PredictionsFixtures.Row;
import io.tuneforge.core.team.TeamRepository;
import io.tuneforge.core.user.Role;
import io.tuneforge.core.user.UserAccountService;
import io.tuneforge.web.job.JobsView;
import io.tuneforge.web.testing.SignedIn;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;

/** The evaluate page end to end against the real database: start a session, rate blind, read results. */
@SpringBootTest
class EvaluateViewTest extends SpringBrowserlessTest {

    @Autowired
    JdbcTemplate jdbc;

    @Autowired
    ArtifactStore store;

    @Autowired
    UserAccountService accounts;

    @Autowired
    TeamRepository teams;

    TeamSetup team;
    long jobId;

    @BeforeEach
    void succeededJobWithPredictions() {
        team = new JobFixtures(jdbc).team(1, "/nonexistent/model");
        jobId = new PredictionsFixtures(jdbc, store).succeededJob(team, "support-bot", List.of(
                new Row("How do I reset my password?", "Use the reset link.", "base: no idea", "tuned: use the link"),
                new Row("Is the service down?", "Check the status page.", "base: maybe", "tuned: see status page")));
        SignedIn.signIn(accounts.findByUsername("user-" + team.suffix()).orElseThrow());
    }

    @AfterEach
    void signOut() {
        SignedIn.signOut();
    }

    @Test
    void ratesEveryItemBlindAndShowsResultsPerModel() {
        EvaluateView view = navigate(EvaluateView.class);
        view.job.setValue(view.job.getListDataView().getItems().filter(j -> j.jobId() == jobId).findFirst()
                .orElseThrow());
        test(view.start).click();

        assertThat(view.ratingPanel.isVisible()).isTrue();
        assertThat(view.session.getValue().name()).as("the new session is the chosen one").isEqualTo(
                "Blind A/B of support-bot");
        assertThat(view.form.progressText.getText()).isEqualTo("0 of 2 rated");
        assertThat(view.form.position.getText()).isEqualTo("Item 1 of 2");
        assertThat(view.form.prompt.getText()).isEqualTo("How do I reset my password?");
        assertThat(view.form.referenceDetails.isOpened()).as("reference answer starts folded").isFalse();
        assertThat(List.of(view.form.answerA.getText(), view.form.answerB.getText()))
                .containsExactlyInAnyOrder("base: no idea", "tuned: use the link");

        test(view.save).click();
        assertThat(view.form.progressText.getText()).as("a rating without scores is not saved").isEqualTo("0 of 2 rated");

        rateTunedHigher(view, Preference.A);
        test(view.save).click();

        assertThat(view.form.progressText.getText()).isEqualTo("1 of 2 rated");
        assertThat(view.session.getValue().myProgress().rated()).as("the session list shows the new progress")
                .isEqualTo(1);
        assertThat(view.form.position.getText()).isEqualTo("Item 2 of 2");
        assertThat(view.form.prompt.getText()).isEqualTo("Is the service down?");

        rateTunedHigher(view, Preference.TIE);
        test(view.save).click();

        assertThat(view.done.isVisible()).isTrue();
        assertThat(view.form.progressText.getText()).isEqualTo("2 of 2 rated");
        assertThat(view.results.summary.getText()).isEqualTo("2 ratings by 1 rater on 2 items; ties: 1 (50 %)");
        assertThat(test(view.results.grid).getCellText(0, 0)).isEqualTo("base");
        assertThat(test(view.results.grid).getCellText(0, 6)).as("base overall").isEqualTo("2.00");
        assertThat(test(view.results.grid).getCellText(1, 0)).isEqualTo("tuned");
        assertThat(test(view.results.grid).getCellText(1, 6)).as("tuned overall").isEqualTo("4.00");
        assertThat(test(view.results.grid).getCellText(1, 8)).as("tuned win rate").isEqualTo("50 %");
        assertThat(view.results.csv.getHref()).isNotBlank();
        assertThat(jdbc.queryForObject("select count(*) from ratings r join rating_items i on i.id = r.item_id "
                + "join rating_sessions s on s.id = i.session_id where s.job_id = ?", Integer.class, jobId))
                .isEqualTo(2);
    }

    @Test
    void exportingASessionWithoutAPreferenceSaysWhyAndKeepsTrainingOff() {
        EvaluateView view = navigate(EvaluateView.class);
        view.job.setValue(view.job.getListDataView().getItems().filter(j -> j.jobId() == jobId).findFirst()
                .orElseThrow());
        test(view.start).click();
        assertThat(view.train.isEnabled()).isFalse();

        test(view.exportPreferences).click();

        assertThat(view.exportResult.getText()).contains("has no rated item with a preferred answer");
        assertThat(view.train.isEnabled()).isFalse();

        rateTunedHigher(view, Preference.A);
        test(view.save).click();
        test(view.exportPreferences).click();

        assertThat(view.exportResult.getText()).startsWith("Stored 1 preference pair as dataset \"Blind A/B of "
                + "support-bot (preferences)\" v1 (left out: 1 unrated item)");
        assertThat(view.train.isEnabled()).isTrue();
    }

    @Test
    void previousShowsTheEarlierRatingToChangeIt() {
        EvaluateView view = navigate(EvaluateView.class);
        view.job.setValue(view.job.getListDataView().getItems().filter(j -> j.jobId() == jobId).findFirst()
                .orElseThrow());
        test(view.start).click();
        rateTunedHigher(view, Preference.TIE);
        test(view.save).click();

        test(view.previous).click();

        assertThat(view.form.position.getText()).isEqualTo("Item 1 of 2");
        assertThat(view.form.preference.getValue()).isEqualTo(Preference.TIE);
        assertThat(view.form.scores.get(Side.A).get(Criterion.SAFETY).getValue()).isNotNull();
    }

    @Test
    void aSessionContinuesWhereTheRaterLeftOff() {
        EvaluateView first = navigate(EvaluateView.class);
        first.job.setValue(first.job.getListDataView().getItems().filter(j -> j.jobId() == jobId).findFirst()
                .orElseThrow());
        first.sessionName.setValue("support round 1");
        test(first.start).click();
        rateTunedHigher(first, Preference.A);
        test(first.save).click();

        navigate(JobsView.class);
        EvaluateView again = navigate(EvaluateView.class);
        assertThat(again.ratingPanel.isVisible()).isFalse();
        test(again.session).selectItem("support round 1 · 1/2");

        assertThat(again.ratingPanel.isVisible()).isTrue();
        assertThat(again.form.position.getText()).isEqualTo("Item 2 of 2");
        assertThat(again.form.progressText.getText()).isEqualTo("1 of 2 rated");
    }

    @Test
    void aClosedSessionTakesNoMoreRatings() {
        EvaluateView view = navigate(EvaluateView.class);
        view.job.setValue(view.job.getListDataView().getItems().filter(j -> j.jobId() == jobId).findFirst()
                .orElseThrow());
        test(view.start).click();

        test(view.close).click();

        assertThat(view.sessionTitle.getText()).endsWith(" · closed");
        assertThat(view.save.isEnabled()).isFalse();
        assertThat(view.close.isEnabled()).isFalse();
        assertThat(view.session.getValue().status()).isEqualTo(SessionStatus.CLOSED);
    }

    @Test
    void anotherTeamDoesNotSeeTheJob() {
        SignedIn.as(Role.MEMBER, accounts, teams);

        EvaluateView view = navigate(EvaluateView.class);

        assertThat(view.job.getListDataView().getItems().map(EvaluableJob::jobId).toList()).doesNotContain(jobId);
    }

    /** Scores the tuned answer 4 and the base answer 2 on every criterion, finding the tuned one by its text. */
    private static void rateTunedHigher(EvaluateView view, Preference preference) {
        boolean tunedOnA = view.form.answerA.getText().startsWith("tuned");
        Map<Side, Integer> score = Map.of(tunedOnA ? Side.A : Side.B, 4, tunedOnA ? Side.B : Side.A, 2);
        for (Side side : Side.values()) {
            for (Criterion criterion : Criterion.values()) {
                view.form.scores.get(side).get(criterion).setValue(score.get(side));
            }
        }
        Preference resolved = preference == Preference.TIE ? Preference.TIE : tunedOnA ? Preference.A : Preference.B;
        view.form.preference.setValue(resolved);
    }
}
