package io.tuneforge.web.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.vaadin.browserless.SpringBrowserlessTest;
import com.vaadin.flow.server.VaadinSession;
import io.tuneforge.core.model.BaseModelService;
import io.tuneforge.core.model.HubImportService;
import io.tuneforge.core.platform.PlatformHome;
import io.tuneforge.core.team.TeamRepository;
import io.tuneforge.core.testing.FakeHub;
import io.tuneforge.core.testing.JobFixtures;
import io.tuneforge.core.testing.JobFixtures.TeamSetup;
import io.tuneforge.core.user.Actor;
import io.tuneforge.core.user.AppUserRepository;
import io.tuneforge.core.user.Role;
import io.tuneforge.core.user.UserAccountService;
import io.tuneforge.web.testing.SignedIn;
import io.tuneforge.web.testing.Workspace;
import java.time.Duration;
import java.time.Instant;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;

@SpringBootTest
class ModelsViewTest extends SpringBrowserlessTest {

    @Autowired
    UserAccountService accounts;

    @Autowired
    TeamRepository teams;

    @Autowired
    AppUserRepository users;

    @Autowired
    JdbcTemplate jdbc;

    @Autowired
    BaseModelService baseModels;

    @Autowired
    PlatformHome home;

    @AfterEach
    void signOut() {
        SignedIn.signOut();
    }

    @Test
    void registersAModelFolderAndShowsItsArchitectureParametersAndDtype() {
        String fixtures = System.getProperty("tuneforge.fixtures");
        assumeTrue(fixtures != null && Files.isDirectory(Path.of(fixtures, "models/stories260K")), "fixtures absent");
        SignedIn.as(Role.MEMBER, accounts, teams);
        ModelsView view = navigate(ModelsView.class);
        String name = "stories-" + System.nanoTime();

        test(view.name).setValue(name);
        test(view.path).setValue(fixtures + "/models/stories260K");
        test(view.register).click();

        assertThat(test(view.grid).size()).isEqualTo(1);
        assertThat(test(view.grid).getCellText(0, 0)).isEqualTo(name);
        assertThat(test(view.grid).getCellText(0, 1)).isEqualTo("LlamaForCausalLM");
        assertThat(test(view.grid).getCellText(0, 2)).endsWith("K");
        assertThat(test(view.grid).getCellText(0, 3)).isEqualTo("float32");
        assertThat(view.shared.isVisible()).as("members cannot share with all teams").isFalse();
    }

    @Test
    void aFolderOutsideTheAllowedRootsIsRefusedWithTheReason() {
        SignedIn.as(Role.MEMBER, accounts, teams);
        ModelsView view = navigate(ModelsView.class);

        test(view.name).setValue("etc");
        test(view.path).setValue("/etc");
        test(view.register).click();

        assertThat(test(view.grid).size()).isZero();
    }

    @Test
    void hubImportIsOffWithTheReasonWhenThisServerCannotReachTheHub() throws Exception {
        SignedIn.as(Role.MEMBER, accounts, teams);
        ModelsView view = navigate(ModelsView.class);

        view.hubImport.statusCheck.get(30, TimeUnit.SECONDS);
        runPushedChanges();

        assertThat(view.hubImport.importButton.isEnabled()).isFalse();
        assertThat(view.hubImport.repoId.isEnabled()).isFalse();
        assertThat(view.hubImport.explanation.getText())
                .contains("Cannot reach the Hugging Face Hub at http://127.0.0.1:9")
                .contains("register it above instead");
    }

    @Test
    void importsAModelFromTheHubWithAPushedProgressBarThatReachesTheEndAndListsIt() throws Exception {
        Path stories = Workspace.fixture("models/stories260K");
        Actor actor = SignedIn.as(Role.MEMBER, accounts, teams);
        ModelsView view = navigate(ModelsView.class);
        try (FakeHub hub = new FakeHub()) {
            String repo = "karpathy/stories260K-" + System.nanoTime();
            hub.publish(repo, stories);
            HubImportForm form = new HubImportForm(new HubImportService(baseModels, home, hub.endpoint(), ""), actor,
                    view::imported);
            view.add(form);
            form.statusCheck.get(30, TimeUnit.SECONDS);
            runPushedChanges();
            assertThat(form.importButton.isEnabled()).as("the local Hub answers").isTrue();

            test(form.repoId).setValue(repo);
            test(form.importButton).click();
            assertThat(form.importButton.isEnabled()).as("one import at a time").isFalse();
            awaitPushedText(form, "registered " + repo);

            assertThat(form.progress.getValue()).isEqualTo(1.0);
            assertThat(form.progressText.getText()).startsWith("100 %");
            assertThat(test(view.grid).size()).isEqualTo(1);
            assertThat(test(view.grid).getCellText(0, 0)).isEqualTo(repo);
            assertThat(test(view.grid).getCellText(0, 1)).isEqualTo("LlamaForCausalLM");
            assertThat(Path.of(test(view.grid).getCellText(0, 6))).startsWith(home.models());
        }
    }

    /** Lets the download thread's pushed changes run until the progress text contains {@code expected}. */
    private static void awaitPushedText(HubImportForm form, String expected) throws InterruptedException {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
        while (!form.progressText.getText().contains(expected) && Instant.now().isBefore(deadline)) {
            Thread.sleep(50);
            runPushedChanges();
        }
        assertThat(form.progressText.getText()).contains(expected);
    }

    @Test
    void fineTunedResultsShowTheirLineageAndBecomeVersionsThatArePromotedAndRolledBack() {
        JobFixtures fixtures = new JobFixtures(jdbc);
        TeamSetup team = fixtures.team(1, "/models/tiny");
        SignedIn.signIn(users.findById(team.userId()).orElseThrow());
        long first = succeededJob(fixtures, team, "sft-a", "adapter", "merged");
        long second = succeededJob(fixtures, team, "sft-b", "adapter");
        ModelsView view = navigate(ModelsView.class);
        TunedModelsPanel tuned = view.tuned;

        assertThat(test(tuned.results).size()).isEqualTo(2);
        assertThat(test(tuned.results).getCellText(1, 3))
                .isEqualTo("model-" + team.suffix() + " → sft-a #" + first + " (sft, adapter) → merged model");

        test(tuned.results).select(1);
        test(tuned.versionName).setValue("support-bot");
        test(tuned.addVersion).click();
        test(tuned.results).select(0);
        test(tuned.versionName).setValue("support-bot");
        test(tuned.addVersion).click();
        assertThat(test(tuned.versions).size()).isEqualTo(2);
        assertThat(test(tuned.results).getCellText(0, 4)).isEqualTo("support-bot v2");

        test(tuned.versions).select(1); // v1
        test(tuned.promote).click();
        test(tuned.versions).select(0); // v2
        test(tuned.promote).click();
        assertThat(test(tuned.versions).getCellText(0, 2)).isEqualTo("promoted");
        assertThat(test(tuned.versions).getCellText(1, 2)).isEmpty();

        test(tuned.rollback).click();

        assertThat(test(tuned.versions).getCellText(1, 2)).isEqualTo("promoted");
        assertThat(test(tuned.versions).getCellText(0, 2)).isEmpty();
        assertThat(test(tuned.history).size()).isEqualTo(2);
        assertThat(test(tuned.history).getCellText(0, 2)).contains("by user-" + team.suffix());
        assertThat(second).isPositive();
    }

    /** A job of the team that succeeded and stored artifacts of the given kinds (adapter, merged, gguf). */
    private long succeededJob(JobFixtures fixtures, TeamSetup team, String name, String... kinds) {
        long id = fixtures.queuedJob(team, name);
        jdbc.update("update fine_tuning_jobs set status = 'succeeded', finished_at = clock_timestamp() where id = ?", id);
        for (String kind : kinds) {
            jdbc.update("insert into artifacts (job_id, kind, storage_path, size_bytes) values (?, ?, ?, 1)", id, kind,
                    "jobs/" + id + "/" + kind);
        }
        return id;
    }

    /** Runs the {@code ui.access} tasks queued by background threads, as the next request would. */
    private static void runPushedChanges() {
        VaadinSession session = VaadinSession.getCurrent();
        session.unlock();
        session.lock();
    }
}
