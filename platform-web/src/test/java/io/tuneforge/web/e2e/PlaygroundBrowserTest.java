package io.tuneforge.web.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.tuneforge.core.artifact.ArtifactStore;
import io.tuneforge.core.dataset.DatasetService;
import io.tuneforge.core.job.ArtifactRepository;
import io.tuneforge.core.job.JobLaunchService;
import io.tuneforge.core.model.BaseModelService;
import io.tuneforge.core.team.Team;
import io.tuneforge.core.team.TeamRepository;
import io.tuneforge.core.user.Actor;
import io.tuneforge.core.user.AppUser;
import io.tuneforge.core.user.Role;
import io.tuneforge.core.user.UserAccountService;
import io.tuneforge.web.testing.Jobs;
import io.tuneforge.web.testing.TunedJobs;
import io.tuneforge.web.testing.Workspace;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The playground in headless Chromium with real server push: a succeeded job's real PEFT adapter and its base
 * stories260K answer one prompt side by side. Saves {@code docs/screenshots/playground.png}. Skipped (with the
 * reason) without Debian's chromium/chromedriver or the shared fixtures.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class PlaygroundBrowserTest {

    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

    @LocalServerPort
    int port;

    @Autowired
    UserAccountService accounts;

    @Autowired
    TeamRepository teams;

    @Autowired
    BaseModelService models;

    @Autowired
    DatasetService datasets;

    @Autowired
    JobLaunchService launcher;

    @Autowired
    ArtifactStore store;

    @Autowired
    ArtifactRepository artifacts;

    @Autowired
    JdbcTemplate jdbc;

    ChromeDriver browser;
    WebDriverWait wait;
    String username;
    long jobId;

    @BeforeEach
    void tunedJobAndBrowser() {
        assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
                "chromium/chromedriver absent: apt-get install -y chromium chromium-driver");
        Path stories = Workspace.fixture("models/stories260K");
        if (accounts.needsFirstRunSetup()) {           // else the login page sends everyone to the setup screen
            accounts.createFirstAdministrator("e2e-admin", "Administrator", "a-long-password-1", "Administrators");
        }
        username = "play-" + UUID.randomUUID().toString().substring(0, 6);
        Team team = teams.save(new Team("play-team-" + username, 1));
        AppUser user = accounts.createUser(username, "Playground", "a-long-password-1", Role.MEMBER, team);
        Actor actor = Actor.of(user);
        jobId = Jobs.queueLora("lily-lora", actor, models, datasets, launcher);
        TunedJobs.succeedWith(jobId, dir -> TunedJobs.writeLoraAdapter(stories, dir), store, artifacts, jdbc);

        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--window-size=1400,1000");
        browser = new ChromeDriver(new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
                .build(), options);
        wait = new WebDriverWait(browser, Duration.ofSeconds(90));
    }

    @AfterEach
    void stopBrowser() {
        if (browser != null) {
            browser.quit();
        }
    }

    @Test
    void bothAnswersArrivePushedIntoTheirPanes() throws Exception {
        logIn();
        browser.get(url("/playground?job=" + jobId));
        WebElement prompt = wait.until(d -> d.findElement(By.cssSelector("#playground-prompt textarea")));
        wait.until(d -> d.findElement(By.id("playground-tuned")).getText().contains("lily-lora")
                || String.valueOf(d.findElement(By.id("playground-tuned")).getDomProperty("value")).length() > 0);
        prompt.sendKeys("What did Lily find in the park?");
        browser.findElement(By.id("playground-send")).click();

        wait.until(d -> !text("playground-base-answer").isBlank() && !text("playground-tuned-answer").isBlank());
        wait.until(d -> d.findElement(By.id("playground-send")).getDomAttribute("disabled") == null);
        assertThat(text("playground-base-status")).contains("tokens/s");
        assertThat(text("playground-tuned-status")).contains("tokens/s");
        screenshot("playground");
    }

    private String text(String id) {
        return browser.findElement(By.id(id)).getText();
    }

    private void logIn() {
        browser.get(url("/login"));
        WebElement user = wait.until(d -> d.findElement(By.cssSelector("input[name=username]")));
        user.sendKeys(username);
        browser.findElement(By.cssSelector("input[name=password]")).sendKeys("a-long-password-1", Keys.ENTER);
        wait.until(d -> d.findElements(By.tagName("vaadin-side-nav")).size() > 0);
    }

    /** Saves a PNG of the page under docs/screenshots/ (repository root). */
    private void screenshot(String name) throws Exception {
        browser.manage().window().setSize(new Dimension(1400, 1000));
        Thread.sleep(500);
        Path folder = Path.of(System.getProperty("user.dir")).getParent().resolve("docs/screenshots");
        Files.createDirectories(folder);
        Files.write(folder.resolve(name + ".png"), browser.getScreenshotAs(OutputType.BYTES));
    }

    private String url(String path) {
        return "http://localhost:" + port + path;
    }
}
