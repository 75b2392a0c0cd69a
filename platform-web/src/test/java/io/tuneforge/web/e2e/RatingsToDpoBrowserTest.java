package io.tuneforge.web.e2e;

import static io.tuneforge.web.testing.BrowserUsers.PASSWORD;
import static org.assertj.core.api.Assertions.assertThat;

import io.tuneforge.core.dataset.VersionDetails;
import io.tuneforge.core.job.FineTuningMethod;
import io.tuneforge.core.job.JobMonitorService;
import io.tuneforge.core.job.JobOverview;
import io.tuneforge.core.job.JobStatus;
import io.tuneforge.core.job.JobSubmission;
import io.tuneforge.core.job.JobSubmissionService;
import io.tuneforge.core.model.BaseModelSummary;
import io.tuneforge.web.testing.Workspace;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebElement;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.annotation.DirtiesContext;

/**
 * Ratings train the next model, in headless Chromium with the embedded worker (issue #13, DD030): an sft job on
 * stories260K succeeds with held-out answers; a blind A/B session rates them (one answer preferred each way, one tie);
 * the ratings are exported as a preference dataset; "Train with these ratings" opens New job with stage dpo, the
 * pairs and the sft job's adapter; the dpo job runs and its page charts the rewards; the lineage reads base → sft job
 * → dpo job on the job page and the Models page. Saves {@code docs/screenshots/ratings-export.png} and
 * {@code docs/screenshots/dpo-job.png}.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "tuneforge.worker.embedded=true", "tuneforge.worker.devices=cpu", "tuneforge.worker.name=e2e-ratings-dpo"})
@DirtiesContext // the embedded worker of this context must not outlive the test and take other tests' jobs
class RatingsToDpoBrowserTest extends WorkerBrowserTest {

    @Autowired
    JobSubmissionService submissions;

    @Autowired
    JobMonitorService monitor;

    @Override
    String userPrefix() {
        return "e2e-r";
    }

    @Test
    void ratingsOfAnSftJobBecomePairsThatADpoJobContinuingItsAdapterTrainsOn() throws Exception {
        BaseModelSummary stories = Workspace.stories(models, actor);
        VersionDetails identity = Workspace.identity(datasets, actor);
        long sft = succeededSftJob(stories, identity);
        chromium.logIn(username, PASSWORD);

        rateThreeItems(sft);
        chromium.click("evaluate-export-preferences");
        chromium.dumpOnFailure("ratings-export", () -> wait.until(d -> chromium.text("evaluate-export-result")
                .startsWith("Stored 2 preference pairs")));
        assertThat(chromium.text("evaluate-export-result")).contains("(left out: 1 tie)");
        scrollIntoView("evaluate-export-result");
        chromium.screenshot("ratings-export");

        chromium.click("evaluate-train");
        chromium.dumpOnFailure("train-with-ratings", () -> wait.until(d -> chromium.text("job-adapter")
                .startsWith("Continues the LoRA adapter of job #" + sft + " sft-run")));
        assertThat(browser.getCurrentUrl()).contains("stage=dpo").contains("adapter_from_job=" + sft);
        for (Map.Entry<String, String> setting : Map.of("setting-max_steps", "3", "setting-cutoff_len", "96",
                "setting-logging_steps", "1", "setting-per_device_train_batch_size", "1",
                "setting-gradient_accumulation_steps", "1", "setting-val_size", "0").entrySet()) {
            chromium.type(setting.getKey(), setting.getValue());
        }
        chromium.click("job-launch");

        chromium.dumpOnFailure("dpo-launched", () -> wait.until(d -> d.getCurrentUrl().matches(".*/jobs/\\d+$")));
        chromium.dumpOnFailure("dpo-end", () -> wait.withTimeout(Duration.ofMinutes(10))
                .until(d -> List.of("succeeded", "failed", "cancelled").contains(chromium.text("job-status"))));
        assertThat(chromium.text("job-status")).isEqualTo("succeeded");
        JobOverview dpo = monitor.list(actor).getFirst();
        assertThat(dpo.name()).isEqualTo("sft-run dpo");
        assertThat(chromium.text("job-lineage")).isEqualTo("Lineage: " + stories.name() + " → sft-run #" + sft
                + " (sft) → sft-run dpo #" + dpo.id() + " (dpo)");
        assertThat(browser.findElement(By.id("rewards-chart")).isDisplayed()).isTrue();
        assertThat(browser.findElement(By.id("reward-accuracy-chart")).isDisplayed()).isTrue();
        assertThat(chromium.text("job-metrics")).contains("rewards/accuracies", "logps/chosen");
        ((JavascriptExecutor) browser).executeScript("window.scrollTo(0, 0)");
        chromium.screenshot("dpo-job");

        browser.get(chromium.url("/models"));
        String lineage = stories.name() + " → sft-run #" + sft + " (sft) → sft-run dpo #" + dpo.id() + " (dpo, adapter)";
        chromium.dumpOnFailure("models-lineage", () -> wait.until(d -> d.findElements(
                By.cssSelector("vaadin-grid-cell-content")).stream().map(WebElement::getText)
                .anyMatch(text -> text.startsWith(lineage))));
    }

    /** An sft LoRA job on identity with a few held-out answers of base and tuned model, run by the worker. */
    private long succeededSftJob(BaseModelSummary stories, VersionDetails identity) throws InterruptedException {
        long id = submissions.submit(actor, JobSubmission.of("sft-run", stories.id(), identity.id(),
                FineTuningMethod.LORA, Map.of("cutoff_len", 64, "max_steps", 4, "per_device_train_batch_size", 2,
                        "gradient_accumulation_steps", 1, "learning_rate", 0.001, "logging_steps", 1, "val_size", 3,
                        "predict_samples", 3, "predict_max_new_tokens", 12))).id();
        long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
        while (!monitor.get(actor, id).status().isTerminal()) {
            assertThat(System.nanoTime()).as("sft job still running after 10 minutes").isLessThan(deadline);
            Thread.sleep(500);
        }
        assertThat(monitor.get(actor, id).status()).as(() -> monitor.get(actor, id).errorMessage().orElse(""))
                .isEqualTo(JobStatus.SUCCEEDED);
        return id;
    }

    /** Starts a blind session on the job's answers: the first item prefers A, the second B, the third is a tie. */
    private void rateThreeItems(long job) {
        browser.get(chromium.url("/evaluate"));
        chromium.pick("evaluate-job", "#" + job);
        chromium.click("evaluate-start");
        chromium.dumpOnFailure("session-started", () -> wait.until(d -> chromium.text("evaluate-progress")
                .equals("0 of 3 rated")));
        for (int item = 1; item <= 3; item++) {
            for (String side : List.of("a", "b")) {
                for (String criterion : List.of("relevance", "accuracy", "completeness", "professionalism", "safety")) {
                    choose("score-" + side + "-" + criterion, 3);
                }
            }
            choose("evaluate-preference", item); // 1: A, 2: B, 3: tie
            chromium.click("evaluate-save");
            int rated = item;
            // after the last item the form gives way to the "rated all" line (a hidden form is not updated)
            chromium.dumpOnFailure("rated-" + item, () -> wait.until(d -> rated < 3
                    ? chromium.text("evaluate-progress").equals(rated + " of 3 rated")
                    : chromium.text("evaluate-done").startsWith("You have rated all 3 items")));
        }
    }

    /** Clicks the n-th (1-based) radio button of a radio group. */
    private void choose(String groupId, int nth) {
        WebElement group = wait.until(d -> d.findElement(By.id(groupId)));
        WebElement button = group.findElements(By.tagName("vaadin-radio-button")).get(nth - 1);
        ((JavascriptExecutor) browser).executeScript("arguments[0].scrollIntoView({block: 'center'})", button);
        button.findElement(By.cssSelector("input")).click();
        wait.until(d -> button.getDomAttribute("checked") != null);
    }

    private void scrollIntoView(String id) {
        ((JavascriptExecutor) browser).executeScript(
                "document.getElementById(arguments[0]).scrollIntoView({block: 'center'})", id);
    }
}
