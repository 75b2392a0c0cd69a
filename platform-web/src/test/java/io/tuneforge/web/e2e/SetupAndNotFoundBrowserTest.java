package io.tuneforge.web.e2e;

import static io.tuneforge.web.testing.BrowserUsers.PASSWORD;
import static org.assertj.core.api.Assertions.assertThat;

import io.tuneforge.core.team.Team;
import io.tuneforge.core.team.TeamRepository;
import io.tuneforge.core.user.Role;
import io.tuneforge.core.user.UserAccountService;
import io.tuneforge.web.error.NotFoundView;
import io.tuneforge.web.testing.BrowserUsers;
import io.tuneforge.web.testing.HeadlessChromium;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * In headless Chromium: first-run setup leaves the new administrator signed in (the session really holds them), and a
 * member opening /admin or a job that is not theirs sees the one "not found" page. Skipped without chromium.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class SetupAndNotFoundBrowserTest {

    @LocalServerPort
    int port;

    @Autowired
    UserAccountService accounts;

    @Autowired
    TeamRepository teams;

    @Autowired
    JdbcTemplate jdbc;

    HeadlessChromium chromium;
    ChromeDriver browser;
    WebDriverWait wait;
    List<Long> demotedAdmins = List.of();

    @BeforeEach
    void startBrowser() {
        chromium = HeadlessChromium.start(port, Duration.ofSeconds(60));
        browser = chromium.driver();
        wait = chromium.waiter();
    }

    @AfterEach
    void stopBrowserAndRestoreAdministrators() {
        demotedAdmins.forEach(id -> jdbc.update("update users set role = 'ADMIN' where id = ?", id));
        if (chromium != null) {
            chromium.close();
        }
    }

    @Test
    void setupSignsTheNewAdministratorIn() {
        demotedAdmins = jdbc.queryForList("select id from users where role = 'ADMIN'", Long.class);
        demotedAdmins.forEach(id -> jdbc.update("update users set role = 'MEMBER' where id = ?", id));
        String username = "admin-" + UUID.randomUUID().toString().substring(0, 6);

        browser.get(chromium.url("/setup"));
        type("setup-username", username);
        type("setup-password", "a-strong-password-42");
        type("setup-confirm", "a-strong-password-42");
        wait.until(d -> d.findElement(By.id("setup-create"))).click();

        chromium.dumpOnFailure("setup", () -> wait.until(d -> !d.findElements(By.tagName("vaadin-side-nav")).isEmpty()));
        browser.get(chromium.url("/admin"));
        chromium.dumpOnFailure("admin", () -> wait.until(d -> !d.findElements(By.tagName("vaadin-side-nav")).isEmpty()));
        assertThat(browser.getCurrentUrl()).endsWith("/admin");
        assertThat(browser.getPageSource()).doesNotContain(NotFoundView.TITLE);
    }

    @Test
    void aMemberSeesTheSameNotFoundPageForAdminAndAJobNotTheirs() {
        Team team = teams.save(new Team("nf-" + UUID.randomUUID().toString().substring(0, 6), 1));
        String username = "member-" + UUID.randomUUID().toString().substring(0, 6);
        BrowserUsers.create(accounts, username, "Member", Role.MEMBER, team);
        chromium.logIn(username, PASSWORD);

        for (String path : List.of("/admin", "/jobs/987654321", "/no/such/page", "/notes.txt")) {
            browser.get(chromium.url(path));
            chromium.dumpOnFailure("not-found" + path.replace("/", "_"), () -> wait.until(d -> chromium.text("not-found").contains(NotFoundView.TEXT)));
            assertThat(browser.getPageSource()).as(path).doesNotContain("There was an exception while trying to navigate");
        }
    }

    @Test
    void aGuestTypingAnUnknownAddressSeesTheNotFoundPage() {
        browser.get(chromium.url("/no/such/page"));

        chromium.dumpOnFailure("guest-not-found", () -> wait.until(d -> chromium.text("not-found")
                .contains(NotFoundView.TEXT)));
    }

    private void type(String id, String text) {
        WebElement field = wait.until(d -> d.findElement(By.id(id)));
        field.findElement(By.cssSelector("input")).sendKeys(text, Keys.TAB);
    }
}
