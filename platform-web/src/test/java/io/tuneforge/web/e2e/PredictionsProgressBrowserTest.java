package io.tuneforge.web.e2e;

import static io.tuneforge.web.testing.BrowserUsers.PASSWORD;
import static org.assertj.core.api.Assertions.assertThat;

import io.tuneforge.core.dataset.VersionDetails;
import io.tuneforge.core.job.FineTuningMethod;
import io.tuneforge.core.job.JobSubmission;
import io.tuneforge.core.job.JobSubmissionService;
import io.tuneforge.core.model.BaseModelSummary;
import io.tuneforge.web.testing.Workspace;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.annotation.DirtiesContext;

/**
 * After training reaches 100 %, the job page keeps moving: the held-out predictions phase shows its count of answers,
 * its progress bar and a time left, in headless Chromium with the real embedded worker on stories260K.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "tuneforge.worker.embedded=true", "tuneforge.worker.devices=cpu", "tuneforge.worker.name=e2e-predict-worker"})
@DirtiesContext // the embedded worker of this context must not outlive the test and take other tests' jobs
class PredictionsProgressBrowserTest extends WorkerBrowserTest {

    private static final Pattern PREDICTING = Pattern.compile("predicting (\\d+) / (\\d+) answers.*elapsed");

    @Autowired
    JobSubmissionService submissions;

    @Override
    String userPrefix() {
        return "e2e-p";
    }

    @Test
    void thePredictionsPhaseShowsItsAnswersProgressAndTimeLeftOnTheJobPage() {
        BaseModelSummary model = Workspace.stories(models, actor);
        VersionDetails data = Workspace.identity(datasets, actor);
        // a short training, then 2 × 24 answers of up to 128 tokens: long enough to watch on the job page
        long job = submissions.submit(actor, JobSubmission.of("e2e-predictions", model.id(), data.id(),
                FineTuningMethod.LORA, Map.of("max_steps", 3, "template", "default", "cutoff_len", 128,
                        "val_size", 24, "predict_samples", 24, "predict_max_new_tokens", 128, "save_steps", 0)))
                .id();
        chromium.logIn(username, PASSWORD);
        browser.get(chromium.url("/jobs/" + job));

        String[] predicting = {""};
        chromium.dumpOnFailure("predictions-phase", () -> predicting[0] = wait.withTimeout(Duration.ofMinutes(8))
                .until(d -> {
                    String text = d.findElement(By.id("job-progress-text")).getText();
                    return PREDICTING.matcher(text).find() ? text : null;
                }));
        var counts = PREDICTING.matcher(predicting[0]);
        assertThat(counts.find()).isTrue();
        assertThat(Integer.parseInt(counts.group(2))).as("base and tuned answers").isEqualTo(48);
        assertThat(Double.parseDouble(browser.findElement(By.id("job-progress")).getDomProperty("value")))
                .isBetween(0.0, 1.0);

        chromium.dumpOnFailure("predictions-end", () -> wait.withTimeout(Duration.ofMinutes(10))
                .until(d -> List.of("succeeded", "failed").contains(chromium.text("job-status"))));
        assertThat(chromium.text("job-status")).isEqualTo("succeeded");
    }
}
