package io.tuneforge.web.e2e;

import static io.tuneforge.web.testing.BrowserUsers.PASSWORD;
import static org.assertj.core.api.Assertions.assertThat;

import io.tuneforge.core.model.BaseModelSummary;
import io.tuneforge.web.testing.Workspace;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.annotation.DirtiesContext;

/**
 * Prefix tuning from the browser: New job offers it as a method with its own section (and hides LoRA's), the job
 * launches, succeeds on the embedded worker and stores its adapter beside the base, saying why nothing was merged.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "tuneforge.worker.embedded=true", "tuneforge.worker.devices=cpu", "tuneforge.worker.name=e2e-prefix-browser"})
@DirtiesContext // the embedded worker of this context must not outlive the test and take other tests' jobs
class AdapterMethodsBrowserTest extends WorkerBrowserTest {

    @Override
    String userPrefix() {
        return "e2e-x";
    }

    @BeforeEach
    void identityUploaded() {
        Workspace.identity(datasets, actor);
    }

    @Test
    void aPrefixTuningJobIsChosenInNewJobAndSucceedsWithItsAdapterBesideTheBase() {
        BaseModelSummary stories = Workspace.stories(models, actor);
        chromium.logIn(username, PASSWORD);
        browser.get(chromium.url("/jobs/new"));
        chromium.type("job-name", "prefix-in-the-browser");
        chromium.pick("job-model", stories.name());
        chromium.pick("job-datasets", "identity");

        WebElement prefix = wait.until(d -> d.findElements(By.cssSelector("#job-method vaadin-radio-button")).stream()
                .filter(b -> b.getText().startsWith("Prefix tuning")).findFirst().orElse(null));
        browser.executeScript("arguments[0].scrollIntoView({block: 'center'}); arguments[0].click()", prefix);
        chromium.dumpOnFailure("prefix-section", () -> wait.until(d -> d.findElement(
                By.id("setting-num_virtual_tokens")).isDisplayed()));
        assertThat(browser.findElement(By.id("setting-lora_rank")).isDisplayed()).as("LoRA's section hides").isFalse();
        chromium.type("setting-num_virtual_tokens", "4");
        chromium.type("setting-max_steps", "3");
        chromium.click("job-launch");

        chromium.dumpOnFailure("prefix-launched", () -> wait.until(d -> d.getCurrentUrl().matches(".*/jobs/\\d+$")));
        long job = Long.parseLong(browser.getCurrentUrl().replaceAll(".*/jobs/", ""));
        chromium.dumpOnFailure("prefix-end", () -> wait.withTimeout(Duration.ofMinutes(10))
                .until(d -> List.of("succeeded", "failed", "cancelled").contains(chromium.text("job-status"))));
        assertThat(chromium.text("job-status")).isEqualTo("succeeded");
        assertThat(jdbc.queryForObject("select method from fine_tuning_jobs where id = ?", String.class, job))
                .isEqualTo("prefix");
        assertThat(jdbc.queryForList("select kind from artifacts where job_id = ?", String.class, job))
                .contains("adapter").doesNotContain("merged");
        assertThat(jdbc.queryForList("select message from job_events where job_id = ?", String.class, job))
                .anyMatch(m -> m.startsWith("No merged model: a prefix-tuning adapter cannot be merged"));
    }
}
