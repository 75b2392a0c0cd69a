package io.tuneforge.web.playground;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.vaadin.browserless.SpringBrowserlessTest;
import com.vaadin.flow.component.UI;
import com.vaadin.flow.router.QueryParameters;
import com.vaadin.flow.server.VaadinSession;
import io.tuneforge.core.job.TunedModel;
import io.tuneforge.core.model.BaseModelSummary;
import io.tuneforge.core.team.TeamRepository;
import io.tuneforge.core.user.AccessRefusedException;
import io.tuneforge.core.user.Actor;
import io.tuneforge.core.user.Role;
import io.tuneforge.core.user.UserAccountService;
import io.tuneforge.trainer.playground.ChatListener;
import io.tuneforge.trainer.playground.ChatReply;
import io.tuneforge.trainer.playground.ChatSettings;
import io.tuneforge.trainer.playground.ChatTurn;
import io.tuneforge.trainer.playground.ModelChoice;
import io.tuneforge.trainer.playground.PlaygroundService;
import io.tuneforge.web.testing.SignedIn;
import io.tuneforge.web.testing.StoriesJobs;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

/**
 * The playground against real models: stories260K as the base and a real PEFT adapter stored for a succeeded job as
 * the tuned model; answers are generated for real on background threads and pushed to the panes.
 */
@SpringBootTest
class PlaygroundViewTest extends SpringBrowserlessTest {

    @Autowired
    StoriesJobs stories;

    @Autowired
    UserAccountService accounts;

    @Autowired
    TeamRepository teams;

    @Autowired
    PlaygroundService playground;

    @AfterEach
    void signOut() {
        SignedIn.signOut();
    }

    @Test
    void onePromptGoesToBothModelsAndBothAnswersStreamIntoTheirPanes() {
        Actor member = SignedIn.as(Role.MEMBER, accounts, teams);
        long jobId = stories.succeeded("tuned-lily", member);

        PlaygroundView view = navigate(PlaygroundView.class);
        pickTuned(view, jobId);
        assertThat(view.base.getValue().name()).as("the tuned job implies its base").startsWith("stories-");
        assertThat(view.template.getValue()).as("stories260K has no template of its own").isEqualTo("default");
        view.temperature.setValue(0.0);
        view.maxNewTokens.setValue(24);
        view.prompt.setValue("What did Lily find in the park?");
        test(view.send).click();

        assertThat(view.send.isEnabled()).as("one question at a time").isFalse();
        assertThat(view.stop.isEnabled()).isTrue();
        awaitAnswers(view);

        String baseAnswer = view.basePane.currentAnswer();
        String tunedAnswer = view.tunedPane.currentAnswer();
        assertThat(baseAnswer).isNotBlank();
        assertThat(tunedAnswer).isNotBlank().as("the adapter changes the answer").isNotEqualTo(baseAnswer);
        assertThat(view.basePane.statusText()).contains("tokens/s");
        assertThat(view.tunedPane.statusText()).contains("tokens/s");
        assertThat(view.basePane.history()).hasSize(1);
        assertThat(view.tunedPane.history().getFirst().assistant()).isEqualTo(tunedAnswer);
        assertThat(view.prompt.getValue()).isEmpty();

        view.prompt.setValue("And then?");
        test(view.send).click();
        awaitAnswers(view);
        assertThat(view.basePane.history()).extracting(ChatTurn::user).containsExactly(
                "What did Lily find in the park?", "And then?");
        assertThat(view.tunedPane.history()).hasSize(2);
        assertThat(view.tunedPane.history().getFirst().assistant()).isEqualTo(tunedAnswer);

        test(view.clear).click();
        assertThat(view.basePane.history()).isEmpty();
        assertThat(view.tunedPane.currentAnswer()).isEmpty();
    }

    @Test
    void aSavedConversationReopensWithItsModelsSettingsAndTurnsAndContinuesWhereItStopped() {
        Actor member = SignedIn.as(Role.MEMBER, accounts, teams);
        long jobId = stories.succeeded("saved-chat", member);
        PlaygroundView view = greedyWithTuned(jobId, 16);
        view.system.setValue("You tell short stories.");
        view.prompt.setValue("Where did Lily go?");
        test(view.send).click();
        awaitAnswers(view);
        List<ChatTurn> baseTurns = view.basePane.history();
        List<ChatTurn> tunedTurns = view.tunedPane.history();

        test(view.save).click();

        assertThat(view.saved.getValue().title()).isEqualTo("Where did Lily go?");
        test(view.clear).click();
        view.tuned.clear();
        view.temperature.setValue(1.0);
        view.system.clear();
        assertThat(view.saved.getValue()).as("a cleared chat is a new conversation").isNull();
        assertThat(view.basePane.history()).isEmpty();

        view.saved.setValue(view.saved.getListDataView().getItem(0));

        assertThat(view.basePane.history()).isEqualTo(baseTurns);
        assertThat(view.tunedPane.history()).isEqualTo(tunedTurns);
        assertThat(view.tunedPane.currentAnswer()).isEqualTo(tunedTurns.getFirst().assistant());
        assertThat(view.tuned.getValue().jobId()).isEqualTo(jobId);
        assertThat(view.temperature.getValue()).isEqualTo(0.0);
        assertThat(view.maxNewTokens.getValue()).isEqualTo(16);
        assertThat(view.system.getValue()).isEqualTo("You tell short stories.");

        view.prompt.setValue("And then?");
        test(view.send).click();
        awaitAnswers(view);
        assertThat(view.basePane.history()).extracting(ChatTurn::user).containsExactly("Where did Lily go?",
                "And then?");
        test(view.save).click();
        assertThat(view.saved.getListDataView().getItemCount()).as("saving again replaces it").isEqualTo(1);

        test(view.delete).click();
        assertThat(view.saved.getListDataView().getItemCount()).isZero();
        assertThat(view.saved.getValue()).isNull();
        assertThat(view.delete.isEnabled()).isFalse();
    }

    @Test
    void aChatWithoutAnAnswerIsNotSaved() {
        SignedIn.as(Role.MEMBER, accounts, teams);
        PlaygroundView view = navigate(PlaygroundView.class);

        test(view.save).click();

        assertThat(view.saved.getListDataView().getItemCount()).isZero();
        assertThat(view.delete.isEnabled()).isFalse();
    }

    @Test
    void aLinkWithTheJobPicksItsTunedModelAndItsBase() {
        Actor member = SignedIn.as(Role.MEMBER, accounts, teams);
        long jobId = stories.succeeded("linked", member);

        UI.getCurrent().navigate("playground", QueryParameters.of(PlaygroundView.JOB_PARAMETER, Long.toString(jobId)));
        PlaygroundView view = (PlaygroundView) getCurrentView();

        assertThat(view.tuned.getValue().jobId()).isEqualTo(jobId);
        assertThat(view.base.getValue().id()).isEqualTo(view.tuned.getValue().baseModelId());
    }

    @Test
    void aTunedJobBringsTheTemplateItWasTrainedWith() {
        Actor member = SignedIn.as(Role.MEMBER, accounts, teams);
        long jobId = stories.succeeded(stories.queued("chatml-run", member, Map.of("template", "chatml",
                "max_steps", 2)));
        PlaygroundView view = navigate(PlaygroundView.class);

        pickTuned(view, jobId);

        assertThat(view.template.getValue()).isEqualTo("chatml");
        assertThat(view.settings().template()).contains("chatml");
    }

    @Test
    void theAnswerIsTheSameAsTheServiceGivesForTheSameConversation() throws Exception {
        Actor member = SignedIn.as(Role.MEMBER, accounts, teams);
        long jobId = stories.succeeded("tuned-same", member);
        PlaygroundView view = greedyWithTuned(jobId, 16);
        view.prompt.setValue("Hello");
        test(view.send).click();
        awaitAnswers(view);

        StringBuilder direct = new StringBuilder();
        ChatReply[] reply = new ChatReply[1];
        playground.start(member, new ModelChoice.Tuned(jobId), view.settings(), List.of(), "Hello",
                listener(direct, reply)).done().get();

        assertThat(reply[0].text()).isEqualTo(direct.toString()).isEqualTo(view.tunedPane.currentAnswer());
    }

    @Test
    void stopEndsBothAnswersEarly() {
        Actor member = SignedIn.as(Role.MEMBER, accounts, teams);
        long jobId = stories.succeeded("tuned-stop", member);
        PlaygroundView view = greedyWithTuned(jobId, ChatSettings.MAX_NEW_TOKENS);
        view.prompt.setValue("Once upon a time");

        test(view.send).click();
        test(view.stop).click();               // before any push: the answers cannot be complete yet
        awaitAnswers(view);

        assertThat(view.basePane.statusText()).endsWith("stopped");
        assertThat(view.tunedPane.statusText()).endsWith("stopped");
    }

    @Test
    void aTunedModelThatCannotBeLoadedSaysWhyInItsPane() {
        Actor member = SignedIn.as(Role.MEMBER, accounts, teams);
        long jobId = stories.succeededWithBrokenAdapter("broken", member);
        PlaygroundView view = navigate(PlaygroundView.class);
        pickTuned(view, jobId);
        view.maxNewTokens.setValue(8);
        view.prompt.setValue("Hello");

        test(view.send).click();
        awaitAnswers(view);

        assertThat(view.tunedPane.currentAnswer()).startsWith("Cannot load broken from ")
                .contains("has no adapter_model.safetensors");
        assertThat(view.tunedPane.statusText()).isEqualTo("Failed");
        assertThat(view.basePane.currentAnswer()).isNotBlank();
        assertThat(view.basePane.statusText()).contains("tokens/s");
    }

    @Test
    void aMemberOfAnotherTeamCanNeitherPickNorUseThatTeamsModels() {
        Actor owner = SignedIn.as(Role.MEMBER, accounts, teams);
        long jobId = stories.succeeded("private-run", owner);
        TunedModel ownersModel = playground.choices(owner).tunedModels().stream()
                .filter(t -> t.jobId() == jobId).findFirst().orElseThrow();

        Actor stranger = SignedIn.as(Role.MEMBER, accounts, teams);
        PlaygroundView view = navigate(PlaygroundView.class);

        assertThat(view.base.getListDataView().getItems().map(BaseModelSummary::id))
                .doesNotContain(ownersModel.baseModelId());
        assertThat(view.tuned.getListDataView().getItems().map(TunedModel::jobId)).doesNotContain(jobId);
        assertThatThrownBy(() -> playground.start(stranger, new ModelChoice.Tuned(jobId), ChatSettings.greedy(4),
                List.of(), "Hello", listener(new StringBuilder(), new ChatReply[1])))
                .isInstanceOf(AccessRefusedException.class);
        assertThatThrownBy(() -> playground.start(stranger, new ModelChoice.Base(ownersModel.baseModelId()),
                ChatSettings.greedy(4), List.of(), "Hello", listener(new StringBuilder(), new ChatReply[1])))
                .isInstanceOf(AccessRefusedException.class);
    }

    /** The playground with the job's tuned model picked, greedy, answering at most {@code maxNewTokens}. */
    private PlaygroundView greedyWithTuned(long jobId, int maxNewTokens) {
        PlaygroundView view = navigate(PlaygroundView.class);
        pickTuned(view, jobId);
        view.temperature.setValue(0.0);
        view.maxNewTokens.setValue(maxNewTokens);
        return view;
    }

    private static void pickTuned(PlaygroundView view, long jobId) {
        view.tuned.setValue(view.tuned.getListDataView().getItems().filter(t -> t.jobId() == jobId).findFirst()
                .orElseThrow());
    }

    /**
     * Releases the session lock until both answers ended: the playground threads' {@code ui.access} tasks run when
     * the lock is free, as they would between two requests in the running application.
     */
    private static void awaitAnswers(PlaygroundView view) {
        VaadinSession session = VaadinSession.getCurrent();
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        while (!view.send.isEnabled()) {
            assertThat(System.nanoTime()).as("both answers end within 3 minutes").isLessThan(deadline);
            session.unlock();
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            } finally {
                session.lock();
            }
        }
        assertThat(view.stop.isEnabled()).isFalse();
    }

    private static ChatListener listener(StringBuilder text, ChatReply[] reply) {
        return new ChatListener() {
            @Override
            public void onText(String piece) {
                text.append(piece);
            }

            @Override
            public void onFinished(ChatReply finished) {
                reply[0] = finished;
            }

            @Override
            public void onFailed(String message) {
                throw new AssertionError(message);
            }
        };
    }
}
