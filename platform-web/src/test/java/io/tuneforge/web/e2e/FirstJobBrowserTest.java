package io.tuneforge.web.e2e;

import static io.tuneforge.web.testing.BrowserUsers.PASSWORD;
import static org.assertj.core.api.Assertions.assertThat;

import io.tuneforge.core.job.JobMonitorService;
import io.tuneforge.core.model.BaseModelSummary;
import io.tuneforge.web.testing.Workspace;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.annotation.DirtiesContext;

/**
 * A new user's first job in headless Chromium (issue #17): on stories260K, which has no chat template of its own,
 * with every field of New job left at its default, the job launches and succeeds on the embedded worker; and a
 * model whose chat template cannot render blocks Launch with the template's message, queueing nothing.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "tuneforge.worker.embedded=true", "tuneforge.worker.devices=cpu", "tuneforge.worker.name=e2e-first-job"})
@DirtiesContext // the embedded worker of this context must not outlive the test and take other tests' jobs
class FirstJobBrowserTest extends WorkerBrowserTest {

    @Autowired
    JobMonitorService monitor;

    @Override
    String userPrefix() {
        return "e2e-f";
    }

    @BeforeEach
    void identityUploaded() {
        Workspace.identity(datasets, actor);
    }

    @Test
    void aFirstJobWithEveryFieldAtItsDefaultSucceeds() {
        BaseModelSummary stories = Workspace.stories(models, actor);
        chromium.logIn(username, PASSWORD);

        openNewJob("first-job", stories.name());
        chromium.click("job-launch");

        chromium.dumpOnFailure("first-job-launched", () -> wait.until(d -> d.getCurrentUrl().matches(".*/jobs/\\d+$")));
        chromium.dumpOnFailure("first-job-end", () -> wait.withTimeout(Duration.ofMinutes(10))
                .until(d -> List.of("succeeded", "failed", "cancelled").contains(chromium.text("job-status"))));
        assertThat(chromium.text("job-status")).isEqualTo("succeeded");
    }

    @Test
    void aTemplateErrorBlocksLaunchWithItsMessageAndQueuesNothing() throws IOException {
        BaseModelSummary broken = models.register(actor, "broken-" + System.nanoTime(),
                modelWithBrokenTemplate().toString(), false);
        chromium.logIn(username, PASSWORD);

        openNewJob("broken-template", broken.name());
        chromium.click("job-estimate-button");
        chromium.dumpOnFailure("template-error", () -> wait.until(d -> chromium.text("job-template")
                .startsWith("Chat template error, the job cannot launch")));
        chromium.click("job-launch");

        chromium.dumpOnFailure("template-refused", () -> wait.until(d -> d.findElements(
                By.tagName("vaadin-notification-card")).stream().map(WebElement::getText)
                .anyMatch(text -> text.startsWith("Chat template: "))));
        assertThat(browser.getCurrentUrl()).endsWith("/jobs/new");
        assertThat(monitor.list(actor)).isEmpty();
    }

    /** New job with a name, the model and the identity dataset chosen, every other field as the form starts. */
    private void openNewJob(String name, String modelName) {
        browser.get(chromium.url("/jobs/new"));
        chromium.type("job-name", name);
        chromium.pick("job-model", modelName);
        chromium.pick("job-datasets", "identity");
    }

    /** stories260K with a chat template that cannot render (an unclosed for loop). */
    private static Path modelWithBrokenTemplate() throws IOException {
        Path root = Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir"), "tuneforge-test-models"));
        Path broken = Files.createTempDirectory(root, "broken-template");
        try (var files = Files.list(Workspace.fixture("models/stories260K"))) {
            for (Path file : files.toList()) {
                Files.copy(file, broken.resolve(file.getFileName()));
            }
        }
        Files.writeString(broken.resolve("tokenizer_config.json"),
                "{\"bos_token\": \"<s>\", \"eos_token\": \"</s>\", \"chat_template\": \"{% for m in messages %}\"}");
        return broken;
    }
}
