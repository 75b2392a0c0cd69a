package io.tuneforge.web.compare;

import static org.assertj.core.api.Assertions.assertThat;

import com.vaadin.browserless.SpringBrowserlessTest;
import io.tuneforge.core.dataset.DatasetService;
import io.tuneforge.core.dataset.VersionDetails;
import io.tuneforge.core.job.FineTuningMethod;
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
import io.tuneforge.web.testing.SignedIn;
import io.tuneforge.web.testing.Workspace;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

@SpringBootTest
class CompareViewTest extends SpringBrowserlessTest {

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
    TrainingMetricRepository metrics;

    @AfterEach
    void signOut() {
        SignedIn.signOut();
    }

    @Test
    void overlaysCurvesListsDifferingSettingsFirstAndShowsFinalMetrics() {
        Actor actor = SignedIn.as(Role.MEMBER, accounts, teams);
        BaseModelSummary model = Workspace.stories(models, actor);
        VersionDetails data = Workspace.identity(datasets, actor);
        long rank8 = launch(actor, model, data, "rank-8", 8);
        long rank16 = launch(actor, model, data, "rank-16", 16);
        for (int step = 5; step <= 15; step += 5) {
            metrics.save(new TrainingMetric(rank8, MetricNames.LOSS, step, 3.0 - step / 10.0));
            metrics.save(new TrainingMetric(rank16, MetricNames.LOSS, step, 2.5 - step / 10.0));
        }
        metrics.save(new TrainingMetric(rank16, MetricNames.EVAL_LOSS, 15, 1.25));

        CompareView view = navigate(CompareView.class);
        view.runs.setValue(view.runs.getListDataView().getItems().toList());
        test(view.show).click();

        assertThat(view.lossChart.pointCount()).isEqualTo(3);
        assertThat(view.lossChart.value(15, "#" + rank16 + " rank-16")).isEqualTo(1.0);
        // the validation curve: one evaluation is one point, drawn as a marker (a lone point has no line)
        assertThat(view.evalChart.value(15, "#" + rank16 + " rank-16")).isEqualTo(1.25);
        assertThat(view.evalChart.markedSeries()).contains("#" + rank16 + " rank-16", "#" + rank8 + " rank-8");
        assertThat(test(view.config).getCellText(0, 0)).isIn("lora_alpha", "lora_rank", "name");
        assertThat(view.config.getGenericDataView().getItems().filter(r -> r.differs()).map(r -> r.key()).toList())
                .contains("lora_rank", "lora_alpha"); // alpha left at its default: 2 × rank, stored as used
        assertThat(test(view.metrics).size()).isEqualTo(2);
        assertThat(test(view.metrics).getCellText(1, 2)).isEqualTo("1.0000");
        assertThat(test(view.metrics).getCellText(1, 4)).isEqualTo("1.2500");
    }

    private long launch(Actor actor, BaseModelSummary model, VersionDetails data, String name, int rank) {
        return submissions.submit(actor, JobSubmission.of(name, model.id(), data.id(), FineTuningMethod.LORA,
                Map.of("lora_rank", rank, "learning_rate", 1e-4))).id();
    }
}
