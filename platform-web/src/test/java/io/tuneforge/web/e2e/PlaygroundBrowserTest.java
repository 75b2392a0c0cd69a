package io.tuneforge.web.e2e;

import static io.tuneforge.web.testing.BrowserUsers.PASSWORD;
import static org.assertj.core.api.Assertions.assertThat;

import io.tuneforge.core.team.Team;
import io.tuneforge.core.team.TeamRepository;
import io.tuneforge.core.user.Actor;
import io.tuneforge.core.user.AppUser;
import io.tuneforge.core.user.Role;
import io.tuneforge.core.user.UserAccountService;
import io.tuneforge.web.testing.BrowserUsers;
import io.tuneforge.web.testing.HeadlessChromium;
import io.tuneforge.web.testing.StoriesJobs;
import io.tuneforge.web.testing.Workspace;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * The playground in headless Chromium with real server push: a succeeded job's real PEFT adapter and its base
 * stories260K answer one prompt side by side. Saves {@code docs/screenshots/playground.png}. Skipped (with the
 * reason) without Debian's chromium/chromedriver or the shared fixtures.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class PlaygroundBrowserTest {

    @Autowired
    StoriesJobs stories;

    @LocalServerPort
    int port;

    @Autowired
    UserAccountService accounts;

    @Autowired
    TeamRepository teams;

    HeadlessChromium chromium;
    ChromeDriver browser;
    WebDriverWait wait;
    String username;
    long jobId;

    @BeforeEach
    void tunedJobAndBrowser() {
        Workspace.fixture("models/stories260K");         // skips at once without the fixtures
        username = "play-" + UUID.randomUUID().toString().substring(0, 6);
        Team team = teams.save(new Team("play-team-" + username, 1));
        AppUser user = BrowserUsers.create(accounts, username, "Playground", Role.MEMBER, team);
        Actor actor = Actor.of(user);
        jobId = stories.succeeded("lily-lora", actor);

        chromium = HeadlessChromium.start(port, Duration.ofSeconds(90));
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
    void bothAnswersArrivePushedIntoTheirPanes() throws Exception {
        chromium.logIn(username, PASSWORD);
        browser.get(chromium.url("/playground?job=" + jobId));
        WebElement prompt = wait.until(d -> d.findElement(By.cssSelector("#playground-prompt textarea")));
        wait.until(d -> d.findElement(By.id("playground-tuned")).getText().contains("lily-lora")
                || String.valueOf(d.findElement(By.id("playground-tuned")).getDomProperty("value")).length() > 0);
        prompt.sendKeys("What did Lily find in the park?");
        browser.findElement(By.id("playground-send")).click();

        wait.until(d -> !chromium.text("playground-base-answer").isBlank() && !chromium.text("playground-tuned-answer").isBlank());
        wait.until(d -> d.findElement(By.id("playground-send")).getDomAttribute("disabled") == null);
        assertThat(chromium.text("playground-base-status")).contains("tokens/s");
        assertThat(chromium.text("playground-tuned-status")).contains("tokens/s");
        chromium.screenshot("playground");
    }
}
