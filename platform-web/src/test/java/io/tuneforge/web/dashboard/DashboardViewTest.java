package io.tuneforge.web.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import com.vaadin.browserless.SpringBrowserlessTest;
import io.tuneforge.core.team.TeamRepository;
import io.tuneforge.core.user.Actor;
import io.tuneforge.core.user.Role;
import io.tuneforge.core.user.UserAccountService;
import io.tuneforge.core.worker.OfferedDevice;
import io.tuneforge.core.worker.WorkerDevice;
import io.tuneforge.core.worker.WorkerRegistry;
import io.tuneforge.web.testing.SignedIn;
import io.tuneforge.web.testing.StoriesJobs;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

@SpringBootTest
class DashboardViewTest extends SpringBrowserlessTest {

    @Autowired
    StoriesJobs stories;

    @Autowired
    UserAccountService accounts;

    @Autowired
    TeamRepository teams;

    @Autowired
    WorkerRegistry workers;

    @Autowired
    org.springframework.jdbc.core.JdbcTemplate jdbc;

    @AfterEach
    void signOut() {
        SignedIn.signOut();
    }

    @Test
    void showsMyQueuedJobTheQueueAndRegisteredDevices() {
        Actor actor = SignedIn.as(Role.MEMBER, accounts, teams);
        stories.queued("dashboard-job", actor);
        String worker = "gpu-box-" + UUID.randomUUID().toString().substring(0, 6);
        workers.register(worker, "localhost", List.of(new OfferedDevice(0, WorkerDevice.Kind.CUDA, "NVIDIA H200", 150_000_000_000L, true)));

        DashboardView view = navigate(DashboardView.class);

        assertThat(test(view.myJobs).size()).isEqualTo(1);
        assertThat(test(view.myJobs).getCellText(0, 0)).isEqualTo("dashboard-job");
        assertThat(test(view.myJobs).getCellText(0, 3)).startsWith("queue, place ");
        assertThat(view.queueSummary.getElement().getTextRecursively()).contains("queued: ");
        assertThat(view.devices.getGenericDataView().getItems())
                .anySatisfy(d -> assertThat(d.worker() + " " + d.device()).isEqualTo(worker + " cuda:0 NVIDIA H200"));
    }

    @Test
    void whereNamesTheWorkerOfARunningJobNotItsStepCount() {
        Actor actor = SignedIn.as(Role.MEMBER, accounts, teams);
        long job = stories.queued("running-job", actor);
        String worker = "cpu-box-" + UUID.randomUUID().toString().substring(0, 6);
        long workerId = workers.register(worker, "localhost",
                List.of(new OfferedDevice(0, WorkerDevice.Kind.CPU, "CPU", 8_000_000_000L, true)));
        jdbc.update("update fine_tuning_jobs set status = 'running', worker_id = ?, started_at = now(), "
                + "current_step = 3, total_steps = 30 where id = ?", workerId, job);

        DashboardView view = navigate(DashboardView.class);

        assertThat(test(view.myJobs).getCellText(0, 3)).isEqualTo("on " + worker);
    }
}
