package io.tuneforge.web.error;

import static org.assertj.core.api.Assertions.assertThat;

import com.vaadin.browserless.SpringBrowserlessTest;
import com.vaadin.flow.component.Component;
import com.vaadin.flow.component.UI;
import io.tuneforge.core.dataset.DatasetService;
import io.tuneforge.core.dataset.VersionDetails;
import io.tuneforge.core.job.FineTuningMethod;
import io.tuneforge.core.job.JobSubmission;
import io.tuneforge.core.job.JobSubmissionService;
import io.tuneforge.core.model.BaseModelService;
import io.tuneforge.core.model.BaseModelSummary;
import io.tuneforge.core.team.TeamRepository;
import io.tuneforge.core.user.Actor;
import io.tuneforge.core.user.Role;
import io.tuneforge.core.user.UserAccountService;
import io.tuneforge.web.testing.SignedIn;
import io.tuneforge.web.testing.Workspace;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

/** "Not yours" and "not there" look the same: one not-found page, never the framework's exception page. */
@SpringBootTest
class NotFoundViewTest extends SpringBrowserlessTest {

    @Autowired
    UserAccountService accounts;

    @Autowired
    TeamRepository teams;

    @Autowired
    BaseModelService models;

    @Autowired
    DatasetService datasets;

    @Autowired
    JobSubmissionService submissions;

    @AfterEach
    void signOut() {
        SignedIn.signOut();
    }

    private long anotherTeamsJob() {
        Actor owner = SignedIn.as(Role.MEMBER, accounts, teams);
        BaseModelSummary model = Workspace.stories(models, owner);
        VersionDetails data = Workspace.identity(datasets, owner);
        long id = submissions.submit(owner, JobSubmission.of("theirs", model.id(), data.id(), FineTuningMethod.LORA,
                Map.of())).id();
        SignedIn.signOut();
        return id;
    }

    private Component open(String location) {
        UI.getCurrent().navigate(location);
        return (Component) getCurrentView();
    }

    private static void assertNotFoundPage(Component view) {
        assertThat(view).isInstanceOf(NotFoundView.class);
        assertThat(view.getElement().getTextRecursively()).contains(NotFoundView.TITLE).contains(NotFoundView.TEXT)
                .doesNotContain("There was an exception while trying to navigate");
    }

    @Test
    void anotherTeamsJobShowsTheNotFoundPage() {
        long theirs = anotherTeamsJob();
        SignedIn.as(Role.MEMBER, accounts, teams);

        Component view = open("jobs/" + theirs);

        assertThat(view).isInstanceOf(JobNotFoundView.class);
        assertNotFoundPage(view);
    }

    @Test
    void aJobThatDoesNotExistShowsTheSamePageAsAnotherTeamsJob() {
        long theirs = anotherTeamsJob();
        SignedIn.as(Role.MEMBER, accounts, teams);
        String notYours = open("jobs/" + theirs).getElement().getTextRecursively();

        String notThere = open("jobs/" + (theirs + 1_000_000)).getElement().getTextRecursively();

        assertThat(notThere).isEqualTo(notYours);
    }

    @Test
    void theAdminPageShowsTheNotFoundPageToAMember() {
        SignedIn.as(Role.MEMBER, accounts, teams);

        assertNotFoundPage(open("admin"));
    }

    @Test
    void anUnknownAddressShowsTheNotFoundPage() {
        SignedIn.as(Role.MEMBER, accounts, teams);

        assertNotFoundPage(open("no-such-page"));
    }

    @Test
    void everyNotFoundPageSaysTheSame() {
        assertThat(new RouteNotFoundView().getElement().getTextRecursively())
                .isEqualTo(new AccessDeniedView().getElement().getTextRecursively())
                .isEqualTo(new JobNotFoundView().getElement().getTextRecursively())
                .isEqualTo(new AccessRefusedView().getElement().getTextRecursively());
    }
}
