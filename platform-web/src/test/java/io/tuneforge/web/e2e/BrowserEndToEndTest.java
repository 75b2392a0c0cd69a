package io.tuneforge.web.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

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
import io.tuneforge.web.testing.Workspace;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogType;
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

    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

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

    ChromeDriver browser;
    WebDriverWait wait;
    String username;

    @BeforeEach
    void startBrowser() {
        assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
                "chromium/chromedriver absent: apt-get install -y chromium chromium-driver");
        Workspace.fixture("models/stories260K");
        Workspace.fixture("datasets/llama_factory/identity.json");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--window-size=1400,1000");
        options.setCapability("goog:loggingPrefs", Map.of("browser", "SEVERE"));
        browser = new ChromeDriver(new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile()).build(),
                options);
        wait = new WebDriverWait(browser, Duration.ofSeconds(60));
        if (accounts.needsFirstRunSetup()) {
            accounts.createFirstAdministrator("e2e-admin", "Administrator", "a-long-password-1", "Administrators");
        }
        username = "e2e-" + UUID.randomUUID().toString().substring(0, 6);
        Team team = teams.save(new Team("e2e-team-" + username, 1));
        accounts.createUser(username, "End To End", "a-long-password-1", Role.MEMBER, team);
        cancelJobsLeftByOtherTests(team);
    }

    /** Jobs other test classes queued in this run's database would otherwise go first on the embedded worker. */
    private void cancelJobsLeftByOtherTests(Team team) {
        Actor admin = Actor.of(accounts.createUser(username + "-admin", "E2E admin", "a-long-password-1", Role.ADMIN,
                team));
        for (Long id : jdbc.queryForList("select id from fine_tuning_jobs where status in "
                + "('validating_files', 'queued', 'running', 'paused')", Long.class)) {
            try {
                jobs.cancel(admin, id);
            } catch (RuntimeException alreadyFinished) {
                // it ended between the query and the cancel
            }
        }
    }

    @AfterEach
    void stopBrowser() {
        if (browser != null) {
            browser.quit();
        }
    }

    @Test
    void uploadTrainWatchDownloadAndGenerate() throws Exception {
        logIn();
        screenshot("dashboard");
        uploadIdentity();
        screenshot("datasets");
        registerStories();
        screenshot("models");
        long jobId = launchLora();

        assertThat(runners.getIfAvailable()).as("the embedded worker's job runner").isNotNull();
        dumpOnFailure("job", () -> wait.withTimeout(Duration.ofMinutes(5))
                .until(d -> chartPoints() > 0 || status().equals("succeeded")));
        assertThat(chartPoints()).as("the loss chart received points").isPositive();
        screenshot("job-page");
        dumpOnFailure("job-end", () -> wait.withTimeout(Duration.ofMinutes(10))
                .until(d -> status().equals("succeeded") || status().equals("failed")));
        assertThat(status()).isEqualTo("succeeded");
        screenshot("job-succeeded");

        Path merged = download(wait.until(d -> d.findElement(By.id("download-merged"))));
        try (LlamaModel model = LlamaModel.load(merged, ModelOptions.inference(DeviceSpec.parse("cpu")));
                TextTokenizer tokenizer = TextTokenizer.load(merged)) {
            GenerationResult result = new Generator(model, tokenizer).generate(tokenizer.encodeWithBos("Who are you?"),
                    GenerationConfig.greedy(16), piece -> { }, () -> false);
            assertThat(result.tokenIds()).isNotEmpty();
        }
        assertThat(jobId).isPositive();
    }

    private void logIn() {
        browser.get(url("/login"));
        WebElement user;
        try {
            user = wait.until(d -> d.findElement(By.cssSelector("input[name=username]")));
        } catch (org.openqa.selenium.TimeoutException e) {
            dumpPage("login");
            throw e;
        }
        user.sendKeys(username);
        browser.findElement(By.cssSelector("input[name=password]")).sendKeys("a-long-password-1", Keys.ENTER);
        wait.until(d -> d.findElements(By.tagName("vaadin-side-nav")).size() > 0);
    }

    private void uploadIdentity() {
        dumpOnFailure("datasets", this::uploadIdentityUnchecked);
    }

    private void registerStories() {
        dumpOnFailure("models", this::registerStoriesUnchecked);
    }

    private long launchLora() {
        long[] id = {0};
        dumpOnFailure("new-job", () -> id[0] = launchLoraUnchecked());
        return id[0];
    }

    private void dumpOnFailure(String step, Runnable action) {
        try {
            action.run();
        } catch (RuntimeException e) {
            dumpPage(step);
            throw e;
        }
    }

    private void uploadIdentityUnchecked() {
        browser.get(url("/datasets"));
        WebElement upload = wait.until(d -> d.findElement(By.id("dataset-upload")));
        // the upload's file input sits in a shadow root: search the upload's light and shadow trees
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
        input.sendKeys(Workspace.fixture("datasets/llama_factory/identity.json").toAbsolutePath().normalize().toString());
        wait.until(d -> d.findElement(By.id("datasets")).getText().contains("identity")
                || pageText().contains("identity v1 stored"));
    }

    private void registerStoriesUnchecked() {
        browser.get(url("/models"));
        type("model-name", "stories260K");
        type("model-path", Workspace.fixture("models/stories260K").toString());
        wait.until(d -> d.findElement(By.id("model-register"))).click();
        wait.until(d -> pageText().contains("LlamaForCausalLM"));
    }

    private long launchLoraUnchecked() {
        browser.get(url("/jobs/new"));
        type("job-name", "e2e-lora");
        pick("job-model", "stories260K");
        pick("job-datasets", "identity");
        setSetting("max_steps", "30");
        setSetting("logging_steps", "1");
        setSetting("learning_rate", "1e-3");
        setSetting("cutoff_len", "256");
        setSetting("template", "default"); // stories260K has no chat template of its own
        setSetting("predict_max_new_tokens", "16");
        WebElement launch = wait.until(d -> d.findElement(By.id("job-launch")));
        ((JavascriptExecutor) browser).executeScript("arguments[0].scrollIntoView({block: 'center'})", launch);
        launch.click();
        wait.until(d -> d.getCurrentUrl().matches(".*/jobs/\\d+$"));
        String url = browser.getCurrentUrl();
        return Long.parseLong(url.substring(url.lastIndexOf('/') + 1));
    }

    private void type(String id, String text) {
        WebElement field = wait.until(d -> d.findElement(By.id(id)));
        WebElement input = field.findElement(By.cssSelector("input"));
        ((JavascriptExecutor) browser).executeScript("arguments[0].scrollIntoView({block: 'center'})", input);
        input.click();
        input.sendKeys(Keys.chord(Keys.CONTROL, "a"), text, Keys.TAB);
    }

    private void pick(String id, String text) {
        WebElement field = wait.until(d -> d.findElement(By.id(id)));
        WebElement input = field.findElement(By.cssSelector("input"));
        input.sendKeys(text);
        wait.until(d -> d.findElements(By.cssSelector("vaadin-combo-box-item, vaadin-multi-select-combo-box-item"))
                .stream().anyMatch(WebElement::isDisplayed));
        input.sendKeys(Keys.ARROW_DOWN, Keys.ENTER, Keys.ESCAPE);
        ((JavascriptExecutor) browser).executeScript("arguments[0].opened = false", field); // close the overlay
    }

    private void setSetting(String key, String value) {
        type("setting-" + key, value);
    }

    private String status() {
        // textContent, not getText(): the header may be scrolled out of the viewport, where getText() reads ""
        String text = browser.findElement(By.id("job-status")).getDomProperty("textContent");
        return text == null ? "" : text.strip();
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
        String href = link.getDomAttribute("href");
        String cookie = browser.manage().getCookieNamed("JSESSIONID").getValue();
        HttpResponse<InputStream> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create(href.startsWith("http") ? href : url("/" + href.replaceFirst("^/", ""))))
                .header("Cookie", "JSESSIONID=" + cookie).build(), HttpResponse.BodyHandlers.ofInputStream());
        assertThat(response.statusCode()).isEqualTo(200);
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

    /** Saves a small PNG of the current page under docs/screenshots/ (repository root). */
    private void screenshot(String name) throws Exception {
        browser.manage().window().setSize(new Dimension(1400, 1000));
        Thread.sleep(500); // let the last server push render before the picture
        Path folder = Path.of(System.getProperty("user.dir")).getParent().resolve("docs/screenshots");
        Files.createDirectories(folder);
        Files.write(folder.resolve(name + ".png"), browser.getScreenshotAs(OutputType.BYTES));
    }

    /** Writes the page source and a screenshot to target/ for diagnosing a failed step. */
    private void dumpPage(String step) {
        try {
            Path target = Path.of(System.getProperty("user.dir"), "target");
            Files.writeString(target.resolve("e2e-" + step + ".html"), browser.getPageSource());
            Files.write(target.resolve("e2e-" + step + ".png"), browser.getScreenshotAs(OutputType.BYTES));
            StringBuilder console = new StringBuilder();
            browser.manage().logs().get(LogType.BROWSER).forEach(e -> console.append(e.getLevel()).append(' ')
                    .append(e.getMessage()).append('\n'));
            Files.writeString(target.resolve("e2e-" + step + "-console.txt"), console);
        } catch (java.io.IOException | RuntimeException ignored) {
            // diagnostics only
        }
    }

    private String url(String path) {
        return "http://localhost:" + port + path;
    }
}
