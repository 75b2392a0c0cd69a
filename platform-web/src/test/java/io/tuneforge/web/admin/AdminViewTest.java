package io.tuneforge.web.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.vaadin.browserless.SpringBrowserlessTest;
import io.tuneforge.core.job.JobMonitorService;
import io.tuneforge.core.job.JobOverview;
import io.tuneforge.core.team.TeamRepository;
import io.tuneforge.core.user.Actor;
import io.tuneforge.core.user.Role;
import io.tuneforge.core.user.UserAccountService;
import io.tuneforge.web.testing.SignedIn;
import io.tuneforge.web.testing.StoriesJobs;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

@SpringBootTest
class AdminViewTest extends SpringBrowserlessTest {

    @Autowired
    StoriesJobs stories;

    @Autowired
    UserAccountService accounts;

    @Autowired
    TeamRepository teams;

    @Autowired
    JobMonitorService monitor;

    @AfterEach
    void signOut() {
        SignedIn.signOut();
    }

    @Test
    void membersCannotOpenTheAdminPage() {
        SignedIn.as(Role.MEMBER, accounts, teams);

        assertThatThrownBy(() -> navigate(AdminView.class)).isInstanceOf(RuntimeException.class);
    }

    @Test
    void createsATeamWithAQuotaAndAUserInIt() {
        SignedIn.as(Role.ADMIN, accounts, teams);
        AdminView view = navigate(AdminView.class);
        String team = "research-" + UUID.randomUUID().toString().substring(0, 6);

        test(view.teamName).setValue(team);
        test(view.teamQuota).setValue(4);
        test(view.createTeam).click();

        assertThat(view.teams.getGenericDataView().getItems())
                .anySatisfy(t -> assertThat(t.name() + ":" + t.maxConcurrentDevices()).isEqualTo(team + ":4"));

        String username = "ana-" + UUID.randomUUID().toString().substring(0, 6);
        test(view.username).setValue(username);
        test(view.displayName).setValue("Ana");
        test(view.password).setValue("a-long-password-1");
        view.userTeam.setValue(view.teams.getGenericDataView().getItems().filter(t -> t.name().equals(team)).findFirst().orElseThrow());
        test(view.createUser).click();

        assertThat(accounts.findByUsername(username)).hasValueSatisfying(u -> {
            assertThat(u.getRole()).isEqualTo(Role.MEMBER);
            assertThat(u.getTeam().getName()).isEqualTo(team);
        });
    }

    @Test
    void movingAJobUpPutsItFirstInTheQueue() {
        Actor member = SignedIn.as(Role.MEMBER, accounts, teams);
        stories.queued("early", member);
        long late = stories.queued("late", member);
        Actor admin = SignedIn.as(Role.ADMIN, accounts, teams);
        AdminView view = navigate(AdminView.class);
        int row = rowOf(view, late);

        test(view.queue).getCellComponent(row, 6).getChildren().findFirst().ifPresent(moveUp ->
                test((com.vaadin.flow.component.button.Button) moveUp).click());

        assertThat(monitor.get(admin, late).placeInQueue().getAsInt()).isEqualTo(row);
    }

    private static int rowOf(AdminView view, long jobId) {
        var items = view.queue.getGenericDataView().getItems().map(JobOverview::id).toList();
        return items.indexOf(jobId);
    }
}
