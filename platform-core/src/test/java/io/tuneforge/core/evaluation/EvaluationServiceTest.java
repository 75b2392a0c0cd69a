package io.tuneforge.core.evaluation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.tuneforge.core.artifact.ArtifactStore;
import io.tuneforge.core.evaluation.EvaluationService.EvaluableJob;
import io.tuneforge.core.evaluation.EvaluationService.ItemToRate;
import io.tuneforge.core.evaluation.EvaluationService.SessionSummary;
import io.tuneforge.core.job.JobNotFoundException;
import io.tuneforge.core.testing.JobFixtures.TeamSetup;
import io.tuneforge.core.testing.JobFixtures;
import io.tuneforge.core.testing.PredictionsFixtures.Row;
import io.tuneforge.core.testing.PredictionsFixtures;
import io.tuneforge.core.user.AccessRefusedException;
import io.tuneforge.core.user.Actor;
import io.tuneforge.core.user.Role;
import io.tuneforge.shared.evaluation.EvaluationException;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;

/** Blind A/B rating: sessions from a job's predictions, hidden random sides, validation, results, export, teams. */
@SpringBootTest(properties = "tuneforge.queue.reaper.enabled=false")
class EvaluationServiceTest {

    private static final List<Row> TWO_ROWS = List.of(
            new Row("What is 2+2?", "4", "base answer one", "tuned answer one"),
            new Row("Name a colour.", "red", "base answer two", "tuned answer two"));

    @Autowired
    EvaluationService evaluation;

    @Autowired
    JdbcTemplate jdbc;

    @Autowired
    ArtifactStore store;

    PredictionsFixtures predictions;
    TeamSetup team;
    Actor member;

    @BeforeEach
    void setUp() {
        predictions = new PredictionsFixtures(jdbc, store);
        team = new JobFixtures(jdbc).team(1, "/nonexistent/model");
        member = team.as(Role.MEMBER);
    }

    @Test
    void sidesAreDrawnPerItemStoredAndNeverShownToTheRater() {
        List<Row> rows = IntStream.range(0, 40)
                .mapToObj(i -> new Row("prompt " + i, "label " + i, "base " + i, "tuned " + i)).toList();
        long job = predictions.succeededJob(team, "forty", rows);

        SessionSummary session = evaluation.start(member, job, "");

        assertThat(session.name()).isEqualTo("Blind A/B of forty");
        assertThat(session.myProgress()).isEqualTo(new EvaluationService.Progress(0, 40));
        List<String> stored = jdbc.queryForList("select tuned_side from rating_items where session_id = ? "
                + "order by position", String.class, session.id());
        assertThat(stored).hasSize(40).contains("a", "b");
        for (int i = 0; i < 40; i++) {
            ItemToRate item = evaluation.item(member, session.id(), i);
            String tunedShown = stored.get(i).equals("a") ? item.answerA() : item.answerB();
            String baseShown = stored.get(i).equals("a") ? item.answerB() : item.answerA();
            assertThat(tunedShown).isEqualTo("tuned " + i);
            assertThat(baseShown).isEqualTo("base " + i);
            assertThat(item.prompt()).isEqualTo("prompt " + i);
            assertThat(item.label()).isEqualTo("label " + i);
        }
        assertThat(Arrays.stream(ItemToRate.class.getRecordComponents()).map(c -> c.getName().toLowerCase()))
                .as("nothing a rater receives says which model wrote which answer")
                .noneMatch(name -> name.contains("tuned") || name.contains("base") || name.contains("side")
                        || name.contains("model"));
        assertThat(evaluation.item(member, session.id(), 7).answerA())
                .as("the order is stored, not drawn again").isEqualTo(evaluation.item(member, session.id(), 7).answerA());
    }

    @Test
    void twoSessionsOfATeamMayNotShareAName() {
        long job = predictions.succeededJob(team, "two", TWO_ROWS);
        evaluation.start(member, job, "Support answers");

        assertThatThrownBy(() -> evaluation.start(member, job, "support ANSWERS "))
                .isInstanceOf(EvaluationException.class)
                .hasMessageContaining("An evaluation session named 'support ANSWERS' already exists");
        assertThat(jdbc.queryForObject("select count(*) from rating_sessions where team_id = ?", Long.class,
                team.teamId())).isEqualTo(1);
    }

    @Test
    void theDefaultNameIsNumberedWhenTaken() {
        long job = predictions.succeededJob(team, "two", TWO_ROWS);

        assertThat(evaluation.start(member, job, "").name()).isEqualTo("Blind A/B of two");
        assertThat(evaluation.start(member, job, "").name()).isEqualTo("Blind A/B of two (2)");
        assertThat(evaluation.start(member, job, " ").name()).isEqualTo("Blind A/B of two (3)");
    }

    @Test
    void nextItemSkipsWhatTheRaterRatedAndEndsWhenAllAreRated() {
        long session = evaluation.start(member, predictions.succeededJob(team, "two", TWO_ROWS), "mine").id();

        ItemToRate first = evaluation.nextItem(member, session).orElseThrow();
        assertThat(first.position()).isZero();
        assertThat(first.total()).isEqualTo(2);
        evaluation.rate(member, first.itemId(), tie(3));

        ItemToRate second = evaluation.nextItem(member, session).orElseThrow();
        assertThat(second.position()).isEqualTo(1);
        EvaluationService.Progress progress = evaluation.rate(member, second.itemId(), tie(4));

        assertThat(progress).isEqualTo(new EvaluationService.Progress(2, 2));
        assertThat(progress.done()).isTrue();
        assertThat(evaluation.nextItem(member, session)).isEmpty();
        assertThat(evaluation.session(member, session).ratings()).isEqualTo(2);
        Actor colleague = new Actor(predictions.member(team, "colleague-" + team.suffix()), "colleague", team.teamId(),
                Role.MEMBER);
        assertThat(evaluation.nextItem(colleague, session)).as("each rater has their own progress")
                .map(ItemToRate::position).contains(0);
    }

    @Test
    void ratingAgainReplacesTheRatersEarlierRating() {
        long session = evaluation.start(member, predictions.succeededJob(team, "two", TWO_ROWS), "").id();
        ItemToRate item = evaluation.nextItem(member, session).orElseThrow();
        evaluation.rate(member, item.itemId(), tie(2));

        evaluation.rate(member, item.itemId(), new RatingInput(all(5), all(1), Preference.A, Optional.of("A is better")));

        assertThat(jdbc.queryForObject("select count(*) from ratings where item_id = ?", Integer.class, item.itemId()))
                .isEqualTo(1);
        RatingInput stored = evaluation.item(member, session, 0).previous().orElseThrow();
        assertThat(stored.answerA()).isEqualTo(all(5));
        assertThat(stored.preference()).isEqualTo(Preference.A);
        assertThat(stored.comment()).contains("A is better");
    }

    @Test
    void outOfRangeScoreIsRefusedWithTheAnswerAndCriterionNamed() {
        long session = evaluation.start(member, predictions.succeededJob(team, "two", TWO_ROWS), "").id();
        long item = evaluation.nextItem(member, session).orElseThrow().itemId();

        assertThatThrownBy(() -> evaluation.rate(member, item,
                new RatingInput(all(3), new Scores(3, 7, 3, 3, 3), Preference.TIE, Optional.empty())))
                .isInstanceOf(EvaluationException.class).hasMessage("Answer B: accuracy must be 1–5, was 7");
        assertThatThrownBy(() -> evaluation.rate(member, item,
                new RatingInput(new Scores(3, 3, 3, 3, 0), all(3), Preference.TIE, Optional.empty())))
                .isInstanceOf(EvaluationException.class).hasMessage("Answer A: safety must be 1–5, was 0");
        assertThatThrownBy(() -> evaluation.rate(member, item, new RatingInput(all(3), all(3), null, Optional.empty())))
                .isInstanceOf(EvaluationException.class).hasMessageContaining("Preference is missing");
        assertThat(evaluation.progress(member, session).rated()).isZero();
    }

    @Test
    void databaseRefusesScoresOutsideOneToFiveEvenWithoutTheService() {
        long session = evaluation.start(member, predictions.succeededJob(team, "two", TWO_ROWS), "").id();
        long item = evaluation.nextItem(member, session).orElseThrow().itemId();

        assertThatThrownBy(() -> jdbc.update("insert into ratings (item_id, rater_id, a_relevance, a_accuracy, "
                + "a_completeness, a_professionalism, a_safety, b_relevance, b_accuracy, b_completeness, "
                + "b_professionalism, b_safety, preference) values (?, ?, 6, 3, 3, 3, 3, 3, 3, 3, 3, 3, 'a')",
                item, team.userId())).hasMessageContaining("ratings_a_relevance_check");
    }

    @Test
    void resultsResolveSidesToModelsWithMeansAndWinRates() {
        long session = evaluation.start(member, predictions.succeededJob(team, "two", TWO_ROWS), "").id();
        Actor second = new Actor(predictions.member(team, "second-" + team.suffix()), "second", team.teamId(),
                Role.MEMBER);
        // member: item 1 tuned 5,4,5,4,5 vs base 3,3,2,4,5, prefers tuned; item 2 tuned 4×5 vs base 2,3,3,3,4, tie
        rateByModel(member, session, 0, new Scores(5, 4, 5, 4, 5), new Scores(3, 3, 2, 4, 5), EvaluatedModel.TUNED);
        rateByModel(member, session, 1, all(4), new Scores(2, 3, 3, 3, 4), null);
        // second rater: item 1 tuned 3×5 vs base 4×5, prefers base
        rateByModel(second, session, 0, all(3), all(4), EvaluatedModel.BASE);

        EvaluationResults results = evaluation.results(member, session);

        assertThat(results.items()).isEqualTo(2);
        assertThat(results.ratings()).isEqualTo(3);
        assertThat(results.raters()).isEqualTo(2);
        assertThat(results.ties()).isEqualTo(1);
        assertThat(results.tieRate().getAsDouble()).isCloseTo(1.0 / 3, within(1e-9));
        ModelResult tuned = results.tuned();
        assertThat(tuned.mean(Criterion.RELEVANCE).getAsDouble()).isCloseTo(12.0 / 3, within(1e-9));
        assertThat(tuned.mean(Criterion.ACCURACY).getAsDouble()).isCloseTo(11.0 / 3, within(1e-9));
        assertThat(tuned.mean(Criterion.COMPLETENESS).getAsDouble()).isCloseTo(12.0 / 3, within(1e-9));
        assertThat(tuned.mean(Criterion.PROFESSIONALISM).getAsDouble()).isCloseTo(11.0 / 3, within(1e-9));
        assertThat(tuned.mean(Criterion.SAFETY).getAsDouble()).isCloseTo(12.0 / 3, within(1e-9));
        assertThat(tuned.overall().getAsDouble()).isCloseTo(58.0 / 15, within(1e-9));
        assertThat(tuned.wins()).isEqualTo(1);
        assertThat(tuned.winRate().getAsDouble()).isCloseTo(1.0 / 3, within(1e-9));
        ModelResult base = results.base();
        assertThat(base.mean(Criterion.RELEVANCE).getAsDouble()).isCloseTo(9.0 / 3, within(1e-9));
        assertThat(base.mean(Criterion.ACCURACY).getAsDouble()).isCloseTo(10.0 / 3, within(1e-9));
        assertThat(base.mean(Criterion.COMPLETENESS).getAsDouble()).isCloseTo(9.0 / 3, within(1e-9));
        assertThat(base.mean(Criterion.PROFESSIONALISM).getAsDouble()).isCloseTo(11.0 / 3, within(1e-9));
        assertThat(base.mean(Criterion.SAFETY).getAsDouble()).isCloseTo(13.0 / 3, within(1e-9));
        assertThat(base.overall().getAsDouble()).isCloseTo(52.0 / 15, within(1e-9));
        assertThat(base.wins()).isEqualTo(1);
        assertThat(base.ratings()).isEqualTo(3);
    }

    @Test
    void resultsBeforeAnyRatingHaveNoMeans() {
        long session = evaluation.start(member, predictions.succeededJob(team, "two", TWO_ROWS), "").id();

        EvaluationResults results = evaluation.results(member, session);

        assertThat(results.ratings()).isZero();
        assertThat(results.tuned().overall()).isEmpty();
        assertThat(results.tuned().winRate()).isEmpty();
        assertThat(results.base().mean(Criterion.SAFETY)).isEmpty();
    }

    @Test
    void exportHasOneUnblindedRowPerRatingWithCsvQuoting() {
        List<Row> rows = List.of(new Row("Say \"hi\", then\nstop", "hi", "base hi", "tuned hi"));
        long session = evaluation.start(member, predictions.succeededJob(team, "quoting", rows), "").id();
        rateByModel(member, session, 0, new Scores(5, 4, 5, 4, 5), new Scores(3, 3, 2, 4, 5), EvaluatedModel.TUNED);
        String side = jdbc.queryForObject("select tuned_side from rating_items where session_id = ?", String.class,
                session);

        StringBuilder csv = new StringBuilder();
        evaluation.exportCsv(member, session, csv);

        String[] lines = csv.toString().split("\r\n", -1);
        assertThat(lines[0]).isEqualTo("item,prompt,rater,model_a,model_b,a_relevance,a_accuracy,a_completeness,"
                + "a_professionalism,a_safety,b_relevance,b_accuracy,b_completeness,b_professionalism,b_safety,"
                + "preference,comment,rated_at");
        String unblinded = side.equals("a") ? "tuned,base,5,4,5,4,5,3,3,2,4,5" : "base,tuned,3,3,2,4,5,5,4,5,4,5";
        assertThat(lines[1]).startsWith("1,\"Say \"\"hi\"\", then\nstop\"," + member.username() + "," + unblinded
                + ",tuned,,");
        assertThat(lines[1]).matches("(?s).*,\\d{4}-\\d\\d-\\d\\dT[0-9:.]+Z");
        assertThat(lines).hasSize(3);
        assertThat(lines[2]).isEmpty();
    }

    @Test
    void anotherTeamsSessionReadsAsAbsentButAnAdminSeesIt() {
        long job = predictions.succeededJob(team, "private", TWO_ROWS);
        long session = evaluation.start(member, job, "").id();
        TeamSetup otherTeam = new JobFixtures(jdbc).team(1, "/nonexistent/model");
        Actor stranger = otherTeam.as(Role.MEMBER);
        long item = evaluation.nextItem(member, session).orElseThrow().itemId();

        assertThat(evaluation.sessions(stranger)).extracting(SessionSummary::id).doesNotContain(session);
        assertThat(evaluation.evaluableJobs(stranger)).extracting(EvaluableJob::jobId).doesNotContain(job);
        assertThatThrownBy(() -> evaluation.session(stranger, session))
                .isInstanceOf(RatingSessionNotFoundException.class);
        assertThatThrownBy(() -> evaluation.nextItem(stranger, session))
                .isInstanceOf(RatingSessionNotFoundException.class);
        assertThatThrownBy(() -> evaluation.rate(stranger, item, tie(3)))
                .isInstanceOf(RatingSessionNotFoundException.class);
        assertThatThrownBy(() -> evaluation.exportCsv(stranger, session, new StringBuilder()))
                .isInstanceOf(RatingSessionNotFoundException.class);
        assertThatThrownBy(() -> evaluation.start(stranger, job, "")).isInstanceOf(JobNotFoundException.class);
        Actor admin = otherTeam.as(Role.ADMIN);
        assertThat(evaluation.sessions(admin)).extracting(SessionSummary::id).contains(session);
        assertThat(evaluation.sessions(member)).extracting(SessionSummary::id).contains(session);
        assertThat(evaluation.evaluableJobs(member)).extracting(EvaluableJob::jobId).contains(job);
    }

    @Test
    void viewerMayLookButNotRate() {
        long session = evaluation.start(member, predictions.succeededJob(team, "two", TWO_ROWS), "").id();
        Actor viewer = team.as(Role.VIEWER);
        long item = evaluation.nextItem(viewer, session).orElseThrow().itemId();

        assertThatThrownBy(() -> evaluation.rate(viewer, item, tie(3))).isInstanceOf(AccessRefusedException.class);
        assertThat(evaluation.results(viewer, session).ratings()).isZero();
    }

    @Test
    void closedSessionTakesNoMoreRatings() {
        long session = evaluation.start(member, predictions.succeededJob(team, "two", TWO_ROWS), "").id();
        long item = evaluation.nextItem(member, session).orElseThrow().itemId();

        assertThat(evaluation.close(member, session).status()).isEqualTo(SessionStatus.CLOSED);

        assertThatThrownBy(() -> evaluation.rate(member, item, tie(3))).isInstanceOf(EvaluationException.class)
                .hasMessageContaining("is closed");
    }

    @Test
    void badPredictionsLineIsRefusedWithFileAndLine() {
        long job = predictions.succeededJobWithFile(team, "broken", """
                {"prompt": "p", "label": "l", "base": "b", "tuned": "t"}

                {"prompt": "p", "label": "l", "base": "b"}
                """);

        assertThatThrownBy(() -> evaluation.start(member, job, "")).isInstanceOf(EvaluationException.class)
                .hasMessageContaining("predictions.jsonl line 3: field \"tuned\" is missing");
        assertThat(evaluation.sessions(member)).isEmpty();
    }

    @Test
    void jobThatHasNotSucceededIsRefused() {
        long job = new JobFixtures(jdbc).queuedJob(team, "waiting");

        assertThatThrownBy(() -> evaluation.start(member, job, "")).isInstanceOf(EvaluationException.class)
                .hasMessageContaining("is queued: only a succeeded job has answers to rate");
    }

    /** Rates an item by model: the test knows each answer's text, so it finds which side the tuned one is on. */
    private void rateByModel(Actor rater, long session, int position, Scores tuned, Scores base,
            EvaluatedModel preferred) {
        ItemToRate item = evaluation.item(rater, session, position);
        boolean tunedOnA = item.answerA().startsWith("tuned");
        Preference preference = preferred == null ? Preference.TIE
                : (preferred == EvaluatedModel.TUNED) == tunedOnA ? Preference.A : Preference.B;
        evaluation.rate(rater, item.itemId(), new RatingInput(tunedOnA ? tuned : base, tunedOnA ? base : tuned,
                preference, Optional.empty()));
    }

    private static RatingInput tie(int score) {
        return new RatingInput(all(score), all(score), Preference.TIE, Optional.empty());
    }

    private static Scores all(int score) {
        return new Scores(score, score, score, score, score);
    }

}
