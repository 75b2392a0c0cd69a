package io.tuneforge.web.e2e;

import static io.tuneforge.web.testing.BrowserUsers.PASSWORD;

import io.tuneforge.core.dataset.DatasetService;
import io.tuneforge.core.job.JobService;
import io.tuneforge.core.model.BaseModelService;
import io.tuneforge.core.team.Team;
import io.tuneforge.core.team.TeamRepository;
import io.tuneforge.core.user.Actor;
import io.tuneforge.core.user.Role;
import io.tuneforge.core.user.UserAccountService;
import io.tuneforge.web.testing.BrowserUsers;
import io.tuneforge.web.testing.HeadlessChromium;
import io.tuneforge.web.testing.QueueReset;
import io.tuneforge.web.testing.Workspace;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * What a browser test with the real embedded worker starts from: stories260K and identity.json present (skipped
 * otherwise), headless Chromium, a member of a new team, and an empty queue (jobs other test classes left unfinished
 * in this run's database are cancelled, or they would go first on the worker). Subclasses declare the
 * {@code @SpringBootTest} with their own worker name and {@code @DirtiesContext}.
 */
abstract class WorkerBrowserTest {

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
    JobService jobs;

    @Autowired
    JdbcTemplate jdbc;

    HeadlessChromium chromium;
    ChromeDriver browser;
    WebDriverWait wait;
    String username;
    Actor actor;

    /** The prefix of the member's generated username and their display name. */
    abstract String userPrefix();

    @BeforeEach
    void startBrowserAsANewMember() {
        Workspace.fixture("models/stories260K");
        Workspace.fixture("datasets/llama_factory/identity.json");
        chromium = HeadlessChromium.start(port, Duration.ofSeconds(60));
        browser = chromium.driver();
        wait = chromium.waiter();
        username = userPrefix() + "-" + UUID.randomUUID().toString().substring(0, 6);
        Team team = teams.save(new Team("e2e-team-" + username, 1));
        actor = Actor.of(BrowserUsers.create(accounts, username, userPrefix(), Role.MEMBER, team));
        Actor admin = Actor.of(accounts.createUser(username + "-admin", "E2E admin", PASSWORD, Role.ADMIN, team));
        QueueReset.cancelUnfinishedJobs(jdbc, jobs, admin);
    }

    @AfterEach
    void stopBrowser() {
        if (chromium != null) {
            chromium.close();
        }
    }
}
