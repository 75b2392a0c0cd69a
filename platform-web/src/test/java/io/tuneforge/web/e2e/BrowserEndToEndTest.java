package io.tuneforge.web.e2e;

import static io.tuneforge.web.testing.BrowserUsers.PASSWORD;
import static org.assertj.core.api.Assertions.assertThat;

import io.tuneforge.core.job.JobService;
import io.tuneforge.core.team.Team;
import io.tuneforge.core.team.TeamRepository;
import io.tuneforge.core.user.Actor;
import io.tuneforge.core.user.Role;
import io.tuneforge.core.user.UserAccountService;
import io.tuneforge.trainer.device.DeviceSpec;
import io.tuneforge.trainer.generate.GenerationConfig;
import io.tuneforge.trainer.generate.GenerationResult;
import io.tuneforge.trainer.generate.Generator;
import io.tuneforge.trainer.model.LlamaModel;
import io.tuneforge.trainer.model.ModelOptions;
import io.tuneforge.trainer.tokenizer.TextTokenizer;
import io.tuneforge.trainer.worker.JobRunner;
import io.tuneforge.web.testing.BrowserUsers;
import io.tuneforge.web.testing.HeadlessChromium;
import io.tuneforge.web.testing.QueueReset;
import io.tuneforge.web.testing.Workspace;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.annotation.DirtiesContext;

/**
 * The whole product in headless Chromium: log in, upload LLaMA-Factory's identity.json, register stories260K,
 * launch a LoRA job, watch the loss chart receive points, wait for success, download the merged model and check
 * that it loads and generates. Also saves screenshots of the main pages to {@code docs/screenshots/}.
 * Skipped (with the reason) without Debian's chromium/chromedriver or the shared fixtures.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "tuneforge.worker.embedded=true", "tuneforge.worker.devices=cpu", "tuneforge.worker.name=e2e-worker"})
@DirtiesContext // the embedded worker of this context must not outlive the test and take other tests' jobs
class BrowserEndToEndTest {

    @LocalServerPort
    int port;

    @Autowired
    UserAccountService accounts;

    @Autowired
    TeamRepository teams;

    @Autowired
    ObjectProvider<JobRunner> runners;

    @Autowired
    JobService jobs;

    @Autowired
    JdbcTemplate jdbc;

    HeadlessChromium chromium;
    ChromeDriver browser;
    WebDriverWait wait;
    String username;

    @BeforeEach
    void startBrowser() {
        Workspace.fixture("models/stories260K");
        Workspace.fixture("datasets/llama_factory/identity.json");
        chromium = HeadlessChromium.start(port, Duration.ofSeconds(60));
        browser = chromium.driver();
        wait = chromium.waiter();
        username = "e2e-" + UUID.randomUUID().toString().substring(0, 6);
        Team team = teams.save(new Team("e2e-team-" + username, 1));
        BrowserUsers.create(accounts, username, "End To End", Role.MEMBER, team);
        cancelJobsLeftByOtherTests(team);
    }

    /** Jobs other test classes queued in this run's database would otherwise go first on the embedded worker. */
    private void cancelJobsLeftByOtherTests(Team team) {
        Actor admin = Actor.of(accounts.createUser(username + "-admin", "E2E admin", PASSWORD, Role.ADMIN, team));
        QueueReset.cancelUnfinishedJobs(jdbc, jobs, admin);
    }

    @AfterEach
    void stopBrowser() {
        if (chromium != null) {
            chromium.close();
        }
    }

    @Test
    void uploadTrainWatchDownloadAndGenerate() throws Exception {
        browser.get(chromium.url("/login"));
        wait.until(d -> d.findElement(By.cssSelector("input[name=username]")));
        chromium.screenshot("login");
        chromium.logIn(username, PASSWORD);
        uploadIdentity();
        chromium.dumpOnFailure("truncated-version", this::truncatedNewVersionIsRefused);
        chromium.dumpOnFailure("legal-input-output", this::inputOutputFileIsAccepted);
        chromium.dumpOnFailure("mapped-upload", this::promptAnswerFileIsAcceptedAfterMapping);
        selectDataset("identity");
        chromium.screenshot("datasets");
        registerStories();
        chromium.screenshot("models");
        long jobId = launchLora();
        chromium.dumpOnFailure("job-top", this::jobPageOpensAtTheTop);

        assertThat(runners.getIfAvailable()).as("the embedded worker's job runner").isNotNull();
        chromium.dumpOnFailure("job", () -> wait.withTimeout(Duration.ofMinutes(5))
                .until(d -> chartPoints() > 0 || chromium.text("job-status").equals("succeeded")));
        assertThat(chartPoints()).as("the loss chart received points").isPositive();
        chromium.screenshot("job-page");
        browser.get(chromium.url("/"));
        wait.until(d -> !d.findElements(By.tagName("vaadin-grid")).isEmpty());
        chromium.screenshot("dashboard");
        browser.get(chromium.url("/jobs/" + jobId));
        chromium.dumpOnFailure("job-end", () -> wait.withTimeout(Duration.ofMinutes(10))
                .until(d -> List.of("succeeded", "failed").contains(chromium.text("job-status"))));
        assertThat(chromium.text("job-status")).isEqualTo("succeeded");
        chromium.screenshot("job-succeeded");

        Path merged = download(wait.until(d -> d.findElement(By.id("download-merged"))));
        try (LlamaModel model = LlamaModel.load(merged, ModelOptions.inference(DeviceSpec.parse("cpu")));
                TextTokenizer tokenizer = TextTokenizer.load(merged)) {
            GenerationResult result = new Generator(model, tokenizer).generate(tokenizer.encodeWithBos("Who are you?"),
                    GenerationConfig.greedy(16), piece -> { }, () -> false);
            assertThat(result.tokenIds()).isNotEmpty();
        }
        assertThat(jobId).isPositive();
        chromium.dumpOnFailure("tour", () -> tourTheOtherPages(jobId));
    }

    /**
     * The pages not shown above, in their typical state, for the README's screenshot tour: the jobs list, Compare with
     * the finished job's curves, API tokens with a token just created, and Admin; then every page of the tour at
     * 1280×720 fits the window's width. Waits look for elements (a grid's cell, a chart's point count), never for the
     * whole page's rendered text.
     */
    private void tourTheOtherPages(long jobId) {
        browser.get(chromium.url("/jobs"));
        waitForCellText("jobs", "e2e-lora");
        saveScreenshot("jobs");

        browser.get(chromium.url("/compare"));
        pick("compare-runs", "e2e-lora");
        wait.until(d -> d.findElement(By.id("compare-show"))).click();
        wait.until(d -> (Boolean) ((JavascriptExecutor) d).executeScript(
                "return [...document.querySelectorAll('#compare-charts [data-points]')]"
                        + ".some(c => Number(c.dataset.points) > 0)"));
        saveScreenshot("compare");

        browser.get(chromium.url("/account/tokens"));
        type("token-name", "ci-pipeline");
        wait.until(d -> d.findElement(By.id("token-create"))).click();
        waitForCellText("tokens", "ci-pipeline");
        saveScreenshot("api-tokens");

        List<String> pages = List.of("/", "/datasets", "/models", "/jobs", "/jobs/new", "/jobs/" + jobId, "/compare",
                "/playground", "/evaluate", "/account/tokens");
        for (String page : pages) {
            assertNoHorizontalOverflowAt1280(page);
        }

        chromium.viewport(1440, 900);
        chromium.logOut();
        chromium.logIn(username + "-admin", PASSWORD);
        browser.get(chromium.url("/admin"));
        waitForCellText(null, "e2e-worker");
        saveScreenshot("admin");
        assertNoHorizontalOverflowAt1280("/admin");
    }

    /** Waits until a cell of the grid with this id (any grid when null) shows {@code text}, rendered or not. */
    private void waitForCellText(String gridId, String text) {
        String cells = gridId == null ? "vaadin-grid-cell-content" : "#" + gridId + " vaadin-grid-cell-content";
        wait.until(d -> (Boolean) ((JavascriptExecutor) d).executeScript(
                "return [...document.querySelectorAll(arguments[0])].some(c => c.textContent.includes(arguments[1]))",
                cells, text));
    }

    private void saveScreenshot(String name) {
        try {
            chromium.screenshot(name);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * At 1280×720 the page fits the window's width: neither the document nor the app layout's content area scrolls
     * sideways. The failure names the document's and the content area's widths and the elements reaching past the
     * window's right edge.
     */
    private void assertNoHorizontalOverflowAt1280(String page) {
        chromium.viewport(1280, 720);
        browser.get(chromium.url(page));
        wait.until(d -> (Boolean) ((JavascriptExecutor) d).executeScript("""
                const layout = document.querySelector('vaadin-app-layout');
                return !!layout && !!layout.querySelector('h2');"""));
        String[] overflow = {""};
        try {
            new WebDriverWait(browser, Duration.ofSeconds(10)).until(d -> {
                overflow[0] = (String) ((JavascriptExecutor) d).executeScript(HORIZONTAL_OVERFLOW);
                return overflow[0].isEmpty();
            });
        } catch (org.openqa.selenium.TimeoutException e) {
            chromium.dumpPage("overflow" + page.replace('/', '_'));
        }
        assertThat(overflow[0]).as("horizontal overflow of %s at 1280×720", page).isEmpty();
    }

    /** "" when nothing scrolls sideways, else what does and the (at most five) elements reaching past the edge. */
    private static final String HORIZONTAL_OVERFLOW = """
            const width = window.innerWidth;
            const problems = [];
            const page = document.scrollingElement;
            if (page.scrollWidth > width) problems.push('document ' + page.scrollWidth + ' > ' + width);
            const layout = document.querySelector('vaadin-app-layout');
            // Vaadin 25's app layout: <div part="content"><slot></slot></div> in its shadow root holds the view
            const content = layout && layout.shadowRoot && layout.shadowRoot.querySelector('[part~="content"]');
            if (!content) return 'no content area in vaadin-app-layout: the check would see nothing';
            if (content.scrollWidth > content.clientWidth + 1) {
              problems.push('content area ' + content.scrollWidth + ' > ' + content.clientWidth);
            }
            if (problems.length === 0) return '';
            const wide = [...document.querySelectorAll('vaadin-app-layout *')]
                .filter(e => e.getBoundingClientRect().right > width + 1 && e.getBoundingClientRect().width > 0)
                .slice(-5).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
                    + ' right=' + Math.round(e.getBoundingClientRect().right));
            return problems.join(', ') + ' (' + wide.join('; ') + ')';""";

    /** A truncated file (cut at a line) uploaded as a new version of identity is refused; identity v1 stays the current version. */
    private void truncatedNewVersionIsRefused() {
        chooseTarget(DatasetsViewChoice.NEW_VERSION);
        pick("dataset-existing", "identity");
        new WebDriverWait(browser, Duration.ofSeconds(20)).until(d -> (Boolean) ((JavascriptExecutor) d).executeScript(
                "const c = document.getElementById('dataset-existing');"
                        + " return c.selectedItem != null && c.inputElement.value === 'identity'"));
        letTheServerSeeTheChoice();
        Path truncated = truncatedCopy(Workspace.fixture("datasets/llama_factory/identity.json"));
        sendFile(truncated);
        wait.until(d -> chromium.text("upload-report").contains("was not stored")
                || pageText().contains("was refused") || pageText().contains("Pick the dataset"));
        assertThat(chromium.text("upload-report")).as(pageText()).contains("was not stored").contains("Invalid JSON");
        String grid = chromium.text("datasets");
        assertThat(grid).contains("identity").contains("v1").doesNotContain("v2");
    }

    /** Alpaca-style rows with only input and output (a legal Q&A file) are accepted, input read as the prompt. */
    private void inputOutputFileIsAccepted() {
        chooseTarget(DatasetsViewChoice.NEW_DATASET);
        type("dataset-name", "legal");
        letTheServerSeeTheChoice();
        sendFile(resource("datasets/legal-input-output.jsonl"));
        wait.until(d -> pageText().contains("legal v1 stored: 4 rows"));
    }

    /** question/answer rows: refused with a suggested mapping filled in, then accepted when uploaded again. */
    private void promptAnswerFileIsAcceptedAfterMapping() {
        type("dataset-name", "faq");
        letTheServerSeeTheChoice();
        sendFile(resource("datasets/faq-question-answer.jsonl"));
        wait.until(d -> chromium.text("upload-report").contains("Suggested column mapping"));
        String mapping = (String) ((JavascriptExecutor) browser).executeScript(
                "return document.getElementById('column-mapping').value");
        assertThat(mapping).isEqualTo("{\"prompt\":\"question\",\"response\":\"answer\"}");
        type("dataset-name", "faq");
        letTheServerSeeTheChoice();
        sendFile(copyInNewFolder(resource("datasets/faq-question-answer.jsonl"))); // a new pick of the same file
        wait.until(d -> pageText().contains("faq v1 stored: 2 rows, 0 problems, columns prompt → question"));
    }

    /** After Launch the job page shows its title, status and progress: it opens at the top, not mid-page. */
    private void jobPageOpensAtTheTop() {
        wait.until(d -> d.findElement(By.id("job-status")).isDisplayed());
        new WebDriverWait(browser, Duration.ofSeconds(20)).until(d -> (Boolean) ((JavascriptExecutor) d).executeScript("""
                const title = document.getElementById('job-title').getBoundingClientRect();
                const chart = document.getElementById('loss-chart').getBoundingClientRect();
                let scrolled = window.scrollY;
                for (let e = document.getElementById('job-title'); e; e = e.assignedSlot || e.parentElement
                        || (e.getRootNode && e.getRootNode().host)) { scrolled += e.scrollTop || 0; }
                return scrolled === 0 && title.top >= 0 && chart.top < window.innerHeight;"""));
    }

    /**
     * The upload starts as soon as the file is given and its request reads the form's choices on the server: give the
     * value change of the field just set a moment to get there first, as a person's next click would.
     */
    private void letTheServerSeeTheChoice() {
        try {
            Thread.sleep(1500);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The choices of the Datasets page's "Upload as". */
    private enum DatasetsViewChoice {
        NEW_DATASET("New dataset"), NEW_VERSION("New version of");

        final String label;

        DatasetsViewChoice(String label) {
            this.label = label;
        }
    }

    private void chooseTarget(DatasetsViewChoice choice) {
        WebElement group = wait.until(d -> d.findElement(By.id("upload-target")));
        group.findElements(By.tagName("vaadin-radio-button")).stream()
                .filter(b -> b.getText().strip().equals(choice.label)).findFirst().orElseThrow().click();
    }

    private void selectDataset(String name) {
        browser.get(chromium.url("/datasets"));
        WebElement grid = wait.until(d -> d.findElement(By.id("datasets")));
        wait.until(d -> grid.getText().contains(name));
        WebElement cell = grid.findElements(By.tagName("vaadin-grid-cell-content")).stream()
                .filter(c -> c.getText().strip().equals(name)).findFirst().orElseThrow();
        ((JavascriptExecutor) browser).executeScript(
                "arguments[0].scrollIntoView({block: 'center'}); arguments[0].click()", cell);
        wait.until(d -> pageText().contains("Validation report"));
        ((JavascriptExecutor) browser).executeScript(
                "document.getElementById('datasets').scrollIntoView({block: 'start'})");
    }

    private static Path truncatedCopy(Path file) {
        try {
            String text = Files.readString(file);
            Path copy = Files.createTempDirectory("truncated").resolve("identity.json");
            // cut after two thirds of the lines, mid-array, as an interrupted download or copy leaves it
            Files.writeString(copy, text.substring(0, text.lastIndexOf('\n', text.length() * 2 / 3)));
            return copy;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static Path copyInNewFolder(Path file) {
        try {
            return Files.copy(file, Files.createTempDirectory("again").resolve(file.getFileName().toString()));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static Path resource(String name) {
        try {
            return Path.of(BrowserEndToEndTest.class.getClassLoader().getResource(name).toURI());
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private void uploadIdentity() {
        chromium.dumpOnFailure("datasets", this::uploadIdentityUnchecked);
    }

    private void registerStories() {
        chromium.dumpOnFailure("models", this::registerStoriesUnchecked);
    }

    private long launchLora() {
        long[] id = {0};
        chromium.dumpOnFailure("new-job", () -> id[0] = launchLoraUnchecked());
        return id[0];
    }

    private void uploadIdentityUnchecked() {
        browser.get(chromium.url("/datasets"));
        sendFile(Workspace.fixture("datasets/llama_factory/identity.json"));
        wait.until(d -> d.findElement(By.id("datasets")).getText().contains("identity")
                || pageText().contains("identity v1 stored"));
    }

    /** Gives the upload's file input a file (it sits in a shadow root: search the light and shadow trees). */
    private void sendFile(Path file) {
        WebElement upload = wait.until(d -> d.findElement(By.id("dataset-upload")));
        WebElement input = (WebElement) ((JavascriptExecutor) browser).executeScript("""
                const find = root => {
                  if (!root) return null;
                  const direct = root.querySelector('input[type=file]');
                  if (direct) return direct;
                  for (const node of root.querySelectorAll('*')) {
                    const inner = find(node.shadowRoot);
                    if (inner) return inner;
                  }
                  return null;
                };
                return find(arguments[0]) || find(arguments[0].shadowRoot);
                """, upload);
        assertThat(input).as("file input of the upload").isNotNull();
        input.sendKeys(file.toAbsolutePath().normalize().toString());
    }

    private void registerStoriesUnchecked() {
        browser.get(chromium.url("/models"));
        type("model-name", "stories260K");
        type("model-path", Workspace.fixture("models/stories260K").toString());
        wait.until(d -> d.findElement(By.id("model-register"))).click();
        wait.until(d -> pageText().contains("LlamaForCausalLM"));
    }

    private long launchLoraUnchecked() {
        browser.get(chromium.url("/jobs/new"));
        type("job-name", "e2e-lora");
        pick("job-model", "stories260K");
        pick("job-datasets", "identity");
        setSetting("max_steps", "30");
        setSetting("logging_steps", "1");
        setSetting("learning_rate", "1e-3");
        setSetting("cutoff_len", "256");
        choose("setting-template", "default"); // stories260K has no chat template of its own
        setSetting("predict_max_new_tokens", "16");
        WebElement estimate = wait.until(d -> d.findElement(By.id("job-estimate-button")));
        ((JavascriptExecutor) browser).executeScript("arguments[0].scrollIntoView({block: 'center'})", estimate);
        estimate.click();
        wait.until(d -> chromium.text("job-estimate").startsWith("Needs about"));
        try {
            chromium.screenshot("new-job");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        WebElement launch = wait.until(d -> d.findElement(By.id("job-launch")));
        ((JavascriptExecutor) browser).executeScript("arguments[0].scrollIntoView({block: 'center'})", launch);
        launch.click();
        wait.until(d -> d.getCurrentUrl().matches(".*/jobs/\\d+$"));
        String url = browser.getCurrentUrl();
        return Long.parseLong(url.substring(url.lastIndexOf('/') + 1));
    }

    private void type(String id, String text) {
        chromium.type(id, text);
    }

    private void pick(String id, String text) {
        chromium.pick(id, text);
    }

    /** Opens a select and clicks the item with this text. */
    private void choose(String id, String item) {
        WebElement select = wait.until(d -> d.findElement(By.id(id)));
        ((JavascriptExecutor) browser).executeScript("arguments[0].scrollIntoView({block: 'center'})", select);
        select.click();
        wait.until(d -> d.findElements(By.cssSelector("vaadin-select-item")).stream()
                .filter(e -> e.isDisplayed() && e.getText().strip().equals(item)).findFirst().orElse(null)).click();
        wait.until(d -> item.equals(select.getText().strip()) || select.getDomAttribute("opened") == null);
    }

    private void setSetting(String key, String value) {
        type("setting-" + key, value);
    }

    private int chartPoints() {
        String points = browser.findElement(By.id("loss-chart")).getDomAttribute("data-points");
        return points == null ? 0 : Integer.parseInt(points);
    }

    private String pageText() {
        return browser.findElement(By.tagName("body")).getText();
    }

    /** Fetches a download link with the browser's session cookie and unzips it into a temporary folder. */
    private Path download(WebElement link) throws Exception {
        HttpResponse<InputStream> response = chromium.download(link, HttpResponse.BodyHandlers.ofInputStream());
        Path folder = Files.createTempDirectory("merged-download");
        try (ZipInputStream zip = new ZipInputStream(response.body())) {
            ZipEntry entry;
            while ((entry = zip.getNextEntry()) != null) {
                Path target = folder.resolve(entry.getName()).normalize();
                assertThat(target.startsWith(folder)).as("zip entry %s stays inside the folder", entry.getName())
                        .isTrue();
                Files.createDirectories(target.getParent());
                Files.copy(zip, target);
            }
        }
        assertThat(folder.resolve("config.json")).exists();
        return folder;
    }
}
