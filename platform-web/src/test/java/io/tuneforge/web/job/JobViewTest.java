package io.tuneforge.web.job;

import static org.assertj.core.api.Assertions.assertThat;

import com.vaadin.browserless.SpringBrowserlessTest;
import com.vaadin.flow.component.UI;
import com.vaadin.flow.server.VaadinSession;
import io.tuneforge.core.dataset.DatasetService;
import io.tuneforge.core.dataset.VersionDetails;
import io.tuneforge.core.job.FineTuningMethod;
import io.tuneforge.core.job.JobEvent;
import io.tuneforge.core.job.JobEventRepository;
import io.tuneforge.core.job.JobSubmission;
import io.tuneforge.core.job.JobSubmissionService;
import io.tuneforge.core.job.MetricNames;
import io.tuneforge.core.job.TrainingMetric;
import io.tuneforge.core.job.TrainingMetricRepository;
import io.tuneforge.core.model.BaseModelService;
import io.tuneforge.core.model.BaseModelSummary;
import io.tuneforge.core.team.TeamRepository;
import io.tuneforge.core.user.Actor;
import io.tuneforge.core.user.Role;
import io.tuneforge.core.user.UserAccountService;
import io.tuneforge.web.chart.MetricChart;
import io.tuneforge.web.testing.SignedIn;
import io.tuneforge.web.testing.Workspace;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The job page against a real queued job; the worker's side (metrics and events written to the database) is played
 * by the test, then the feed is polled as its scheduler would.
 */
@SpringBootTest
class JobViewTest extends SpringBrowserlessTest {

    @Autowired
    UserAccountService accounts;

    @Autowired
    TeamRepository teams;

    @Autowired
    BaseModelService models;

    @Autowired
    DatasetService datasets;

    @Autowired
    JobSubmissionService submissions;

    @Autowired
    JobFeed feed;

    @Autowired
    TrainingMetricRepository metrics;

    @Autowired
    JobEventRepository events;

    @Autowired
    JdbcTemplate jdbc;

    Actor actor;
    long jobId;

    @BeforeEach
    void queuedJob() {
        actor = SignedIn.as(Role.MEMBER, accounts, teams);
        BaseModelSummary model = Workspace.stories(models, actor);
        VersionDetails data = Workspace.identity(datasets, actor);
        jobId = submissions.submit(actor, JobSubmission.of("watched", model.id(), data.id(), FineTuningMethod.LORA,
                Map.of("learning_rate", 1e-4))).id();
    }

    @AfterEach
    void signOut() {
        SignedIn.signOut();
    }

    @Test
    void showsThePlaceInQueueWhileWaiting() {
        JobView view = open();

        assertThat(view.status.getText()).isEqualTo("queued");
        assertThat(view.progressText.getText()).startsWith("Waiting: place ");
    }

    @Test
    void theFactsNameTheMethodTheStoredRecipeUsed() {
        assertThat(open().facts.getText()).startsWith("stage sft · LoRA r=8 on ");
        BaseModelSummary model = Workspace.stories(models, actor);
        VersionDetails data = Workspace.identity(datasets, actor);
        jobId = submissions.submit(actor, JobSubmission.of("pissa", model.id(), data.id(), FineTuningMethod.LORA,
                Map.of("lora_rank", 4, "lora_target", "q_proj,v_proj", "pissa_init", true, "pissa_convert", true)))
                .id();

        assertThat(open().facts.getText()).startsWith("stage sft · LoRA r=4 on q_proj,v_proj (PiSSA, saved as LoRA) on ");
    }

    @Test
    void loggedStepsReachTheChartsThroughTheFeedAndTheSubscriptionEndsOnDetach() {
        JobView view = open();
        int subscriptions = feed.subscriptionCount();
        int eventsBefore = test(view.events).size();
        assertThat(view.lossChart.pointCount()).isZero();

        logStep(5, 2.5, 1e-4);
        logStep(10, 2.0, 9e-5);
        events.save(new JobEvent(jobId, JobEvent.Level.INFO, "TRAINING_START", "Training started", null));
        pollAsTheFeedThreadWould();

        assertThat(view.lossChart.pointCount()).isEqualTo(2);
        assertThat(view.lossChart.value(10, MetricNames.LOSS)).isEqualTo(2.0);
        assertThat(view.lossChart.value(10, "loss (smoothed)"))
                .isEqualTo(MetricChart.SMOOTHING * 2.5 + (1 - MetricChart.SMOOTHING) * 2.0);
        assertThat(view.lrChart.value(10, MetricNames.LEARNING_RATE)).isEqualTo(9e-5);
        assertThat(test(view.events).size()).isEqualTo(eventsBefore + 1);
        assertThat(test(view.events).getCellText(eventsBefore, 3)).isEqualTo("Training started");

        logStep(15, 1.8, 8e-5);
        pollAsTheFeedThreadWould();
        assertThat(view.lossChart.pointCount()).as("only the new step is added").isEqualTo(3);

        UI.getCurrent().navigate(JobsView.class);
        assertThat(feed.subscriptionCount()).isEqualTo(subscriptions - 1);
    }

    @Test
    void cancellingAQueuedJobEndsIt() {
        JobView view = open();

        test(view.cancel).click();

        assertThat(view.status.getText()).isEqualTo("cancelled");
        assertThat(view.cancel.isEnabled()).isFalse();
    }

    @Test
    void reopeningThePageDrawsEveryPointAgain() {
        logStep(5, 2.5, 1e-4);
        logStep(10, 2.0, 9e-5);

        JobView view = open();

        assertThat(view.lossChart.pointCount()).isEqualTo(2);
    }

    @Test
    void aFailedJobShowsItsReasonWithAdvice() {
        jdbc.update("update fine_tuning_jobs set status = 'failed', error_code = 'out_of_memory', "
                + "error_message = 'CUDA out of memory while allocating 2.0 GiB', finished_at = now() where id = ?",
                jobId); // as the worker's failure statement leaves it

        JobView view = open();

        assertThat(view.failure.isVisible()).isTrue();
        assertThat(view.failure.getElement().getTextRecursively())
                .contains("CUDA out of memory").contains("Lower per_device_train_batch_size");
        assertThat(view.charts.isVisible()).as("no empty charts beside the reason").isFalse();
    }

    @Test
    void aJobThatFailedAfterLoggingKeepsItsCharts() {
        logStep(5, 2.5, 1e-4);
        jdbc.update("update fine_tuning_jobs set status = 'failed', error_code = 'out_of_memory', "
                + "error_message = 'CUDA out of memory', finished_at = now() where id = ?", jobId);

        JobView view = open();

        assertThat(view.failure.isVisible()).isTrue();
        assertThat(view.charts.isVisible()).isTrue();
        assertThat(view.lossChart.pointCount()).isEqualTo(1);
    }

    @Test
    void aPpoJobChartsItsMeanScoreAndKlInsteadOfThePairwiseRewards() {
        assertThat(open().ppoChart.isVisible()).as("stage sft").isFalse();
        jdbc.update("update fine_tuning_jobs set config = jsonb_set(config, '{stage}', '\"ppo\"') where id = ?",
                jobId);
        JobView view = open();
        assertThat(view.ppoChart.isVisible()).isTrue();
        assertThat(view.rewardsChart.isVisible()).isFalse();

        metrics.save(new TrainingMetric(jobId, MetricNames.PPO_MEAN_SCORES, 1, 0.75));
        metrics.save(new TrainingMetric(jobId, MetricNames.KL, 1, 0.0));
        metrics.save(new TrainingMetric(jobId, MetricNames.PPO_MEAN_SCORES, 2, 1.25));
        metrics.save(new TrainingMetric(jobId, MetricNames.KL, 2, 3.5));
        pollAsTheFeedThreadWould();

        assertThat(view.ppoChart.pointCount()).isEqualTo(2);
        assertThat(view.ppoChart.value(2, MetricNames.PPO_MEAN_SCORES)).isEqualTo(1.25);
        assertThat(view.ppoChart.value(2, MetricNames.KL)).isEqualTo(3.5);
    }

    @Test
    void aMixtureOfExpertsGetsAnExpertLoadChartWithOneSeriesPerLayer() {
        JobView view = open();
        logStep(5, 2.5, 1e-4);
        pollAsTheFeedThreadWould();
        assertThat(view.expertLoadChart).as("a dense model's job has none").isNull();

        metrics.save(new TrainingMetric(jobId, "moe/expert_load/layer_0", 10, 1.5));
        metrics.save(new TrainingMetric(jobId, "moe/expert_load/layer_1", 10, 2.0));
        metrics.save(new TrainingMetric(jobId, "moe/expert_load/layer_0/expert_3", 10, 0.375));
        pollAsTheFeedThreadWould();
        assertThat(view.expertLoadChart).isNotNull();
        assertThat(view.expertLoadChart.value(10, "moe/expert_load/layer_1")).isEqualTo(2.0);
        assertThat(view.expertLoadChart.pointCount()).isEqualTo(1);
    }

    /**
     * Polls the feed; its {@code ui.access} tasks are queued while this test thread holds the session lock, and run
     * when the lock is released — as they would between two requests in the running application.
     */
    private void pollAsTheFeedThreadWould() {
        feed.pollAll();
        VaadinSession session = VaadinSession.getCurrent();
        session.unlock();
        session.lock();
    }

    private JobView open() {
        UI.getCurrent().navigate("jobs/" + jobId);
        return (JobView) getCurrentView();
    }

    private void logStep(int step, double loss, double lr) {
        metrics.save(new TrainingMetric(jobId, MetricNames.LOSS, step, loss));
        metrics.save(new TrainingMetric(jobId, MetricNames.LEARNING_RATE, step, lr));
    }
}
