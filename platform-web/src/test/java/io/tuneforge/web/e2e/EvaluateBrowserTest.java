package io.tuneforge.web.e2e;

import static io.tuneforge.web.testing.BrowserUsers.PASSWORD;
import static org.assertj.core.api.Assertions.assertThat;

import io.tuneforge.core.artifact.ArtifactStore;
import io.tuneforge.core.team.TeamRepository;
import io.tuneforge.core.testing.JobFixtures.TeamSetup;
import io.tuneforge.core.testing.JobFixtures;
import io.tuneforge.core.testing.PredictionsFixtures.Row;
import io.tuneforge.core.testing.PredictionsFixtures;
import io.tuneforge.core.user.Role;
import io.tuneforge.core.user.UserAccountService;
import io.tuneforge.web.testing.BrowserUsers;
import io.tuneforge.web.testing.HeadlessChromium;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Blind rating in headless Chromium: a succeeded job with predictions is seeded in the database; the user starts a
 * session, clicks scores and a preference for the first item, saves, and downloads the CSV with their session.
 * Saves {@code docs/screenshots/evaluate.png}. Skipped (with the reason) without Debian's chromium/chromedriver.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class EvaluateBrowserTest {

    @LocalServerPort
    int port;

    @Autowired
    UserAccountService accounts;

    @Autowired
    TeamRepository teams;

    @Autowired
    JdbcTemplate jdbc;

    @Autowired
    ArtifactStore store;

    HeadlessChromium chromium;
    ChromeDriver browser;
    WebDriverWait wait;
    String username;
    long jobId;

    @BeforeEach
    void seedAndStartBrowser() {
        TeamSetup team = new JobFixtures(jdbc).team(1, "/nonexistent/model");
        username = "rater-" + team.suffix();
        BrowserUsers.create(accounts, username, "Rater", Role.MEMBER, teams.findById(team.teamId()).orElseThrow());
        jobId = new PredictionsFixtures(jdbc, store).succeededJob(team, "support-bot", List.of(
                new Row("How do I reset my password?", "Use the reset link on the login page.",
                        "I am not sure, maybe ask someone.",
                        "Open the login page, choose \"Forgot password\" and follow the link we e-mail you."),
                new Row("Is the service down?", "Check the status page.", "Possibly.",
                        "See status.example.com for live incidents.")));
        chromium = HeadlessChromium.start(port, Duration.ofSeconds(60));
        browser = chromium.driver();
        wait = chromium.waiter();
    }

    @AfterEach
    void stopBrowser() {
        if (chromium != null) {
            chromium.close();
        }
    }

    @Test
    void startRateSaveAndDownloadTheCsv() throws Exception {
        chromium.logIn(username, PASSWORD);
        browser.get(chromium.url("/evaluate"));
        pick("evaluate-job", "#" + jobId);
        click("evaluate-start");
        wait.until(d -> chromium.text("evaluate-progress").equals("0 of 2 rated"));

        for (String side : List.of("a", "b")) {
            for (String criterion : List.of("relevance", "accuracy", "completeness", "professionalism", "safety")) {
                choose("score-" + side + "-" + criterion, side.equals("a") ? 4 : 3);
            }
        }
        choose("evaluate-preference", 1);
        ((JavascriptExecutor) browser).executeScript("document.getElementById('evaluate-rating').scrollIntoView()");
        chromium.screenshot("evaluate");
        click("evaluate-save");
        try {
            wait.until(d -> chromium.text("evaluate-progress").equals("1 of 2 rated"));
        } catch (org.openqa.selenium.TimeoutException e) {
            chromium.dumpPage("evaluate-save");
            throw e;
        }
        assertThat(chromium.text("evaluate-position")).isEqualTo("Item 2 of 2");

        String csv = download(wait.until(d -> d.findElement(By.id("evaluate-csv"))));
        String[] lines = csv.split("\r\n");
        assertThat(lines).hasSize(2);
        assertThat(lines[0]).startsWith("item,prompt,rater,model_a,model_b,a_relevance");
        assertThat(lines[1]).startsWith("1,How do I reset my password?," + username + ",")
                .contains(",4,4,4,4,4,3,3,3,3,3,");
    }

    private void pick(String id, String text) {
        WebElement field = wait.until(d -> d.findElement(By.id(id)));
        WebElement input = field.findElement(By.cssSelector("input"));
        input.sendKeys(text);
        wait.until(d -> d.findElements(By.cssSelector("vaadin-combo-box-item")).stream().anyMatch(WebElement::isDisplayed));
        input.sendKeys(Keys.ARROW_DOWN, Keys.ENTER, Keys.ESCAPE);
    }

    /** Scrolls an element into the middle of the view (the app layout scrolls, not the window) and clicks it. */
    private void click(String id) {
        WebElement element = wait.until(d -> d.findElement(By.id(id)));
        ((JavascriptExecutor) browser).executeScript("arguments[0].scrollIntoView({block: 'center'})", element);
        element.click();
    }

    /** Clicks the n-th (1-based) radio button of a radio group. */
    private void choose(String groupId, int nth) {
        WebElement group = wait.until(d -> d.findElement(By.id(groupId)));
        WebElement button = group.findElements(By.tagName("vaadin-radio-button")).get(nth - 1);
        ((JavascriptExecutor) browser).executeScript("arguments[0].scrollIntoView({block: 'center'})", button);
        button.findElement(By.cssSelector("input")).click();
        wait.until(d -> button.getDomAttribute("checked") != null);
    }

    /** Fetches a download link with the browser's session cookie. */
    private String download(WebElement link) throws Exception {
        HttpResponse<String> response = chromium.download(link, HttpResponse.BodyHandlers.ofString());
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/csv"));
        return response.body();
    }
}
