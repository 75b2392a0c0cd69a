package io.tuneforge.web.dashboard;

import com.vaadin.flow.component.AttachEvent;
import com.vaadin.flow.component.UI;
import com.vaadin.flow.component.grid.Grid;
import com.vaadin.flow.component.html.H3;
import com.vaadin.flow.component.html.Span;
import com.vaadin.flow.component.orderedlayout.HorizontalLayout;
import com.vaadin.flow.component.orderedlayout.VerticalLayout;
import com.vaadin.flow.component.progressbar.ProgressBar;
import io.tuneforge.web.job.JobProgressText;
import java.time.Instant;
import com.vaadin.flow.router.Menu;
import com.vaadin.flow.router.PageTitle;
import com.vaadin.flow.router.Route;
import io.tuneforge.core.job.JobMonitorService;
import io.tuneforge.core.job.JobOverview;
import io.tuneforge.core.job.JobStatus;
import io.tuneforge.core.user.Actor;
import io.tuneforge.web.layout.SectionHeader;
import io.tuneforge.web.security.CurrentActor;
import jakarta.annotation.security.PermitAll;
import java.util.List;

/** Your running and queued jobs, the queue and the devices. */
@Route("")
@PageTitle("Dashboard · TuneForge")
@Menu(title = "Dashboard", order = 0, icon = "vaadin:dashboard")
@PermitAll
public class DashboardView extends VerticalLayout {

    private final JobMonitorService monitor;
    private final Actor actor;

    final Grid<JobOverview> myJobs = new Grid<>();
    final HorizontalLayout queueSummary = new HorizontalLayout();
    final Grid<JobMonitorService.DeviceLoad> devices = new Grid<>();

    public DashboardView(JobMonitorService monitor, CurrentActor currentActor) {
        this.monitor = monitor;
        this.actor = currentActor.get();
        configureGrids();
        add(new SectionHeader("Dashboard", "Your running and queued jobs, the queue and the devices."),
                new H3("My active jobs"), myJobs, new H3("Queue"), queueSummary, new H3("Devices and load"), devices);
    }

    @Override
    protected void onAttach(AttachEvent attachEvent) {
        List<JobOverview> mine = monitor.list(actor).stream()
                .filter(j -> j.owner().equals(actor.username()) && !j.status().isTerminal()).toList();
        myJobs.setItems(mine);
        queueSummary.removeAll();
        for (JobStatus status : List.of(JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.PAUSED, JobStatus.SUCCEEDED,
                JobStatus.FAILED)) {
            Span badge = new Span(status.apiName() + ": " + monitor.countByStatus(status));
            badge.getElement().getThemeList().add("badge");
            queueSummary.add(badge);
        }
        devices.setItems(monitor.deviceLoad());
    }

    private void configureGrids() {
        myJobs.addColumn(JobOverview::name).setHeader("Job").setAutoWidth(true);
        myJobs.addColumn(j -> j.status().apiName()).setHeader("Status").setAutoWidth(true);
        myJobs.addComponentColumn(j -> {
            ProgressBar bar = new ProgressBar(0, 1, JobProgressText.fraction(j));
            bar.setWidth("10em");
            bar.getElement().setAttribute("title", "step " + j.currentStep() + " of "
                    + (j.totalSteps() > 0 ? j.totalSteps() : "?"));
            return bar;
        }).setHeader("Progress");
        myJobs.addColumn(DashboardView::where).setHeader("Where").setAutoWidth(true);
        myJobs.addColumn(j -> JobProgressText.describe(j, Instant.now())).setHeader("Phase").setAutoWidth(true);
        myJobs.addItemClickListener(click -> UI.getCurrent().navigate("jobs/" + click.getItem().id()));
        myJobs.setEmptyStateText("You have no queued or running job. Start one under Jobs → New job.");
        myJobs.setAllRowsVisible(true);
        devices.addColumn(JobMonitorService.DeviceLoad::worker).setHeader("Worker").setAutoWidth(true);
        devices.addColumn(JobMonitorService.DeviceLoad::status).setHeader("Status").setAutoWidth(true);
        devices.addColumn(JobMonitorService.DeviceLoad::device).setHeader("Device").setAutoWidth(true);
        devices.addColumn(d -> String.format("%.1f GiB", d.memoryBytes() / 1073741824.0)).setHeader("Memory");
        devices.addColumn(JobMonitorService.DeviceLoad::runningJobs).setHeader("Running jobs on worker");
        devices.setEmptyStateText("No worker has registered yet.");
        devices.setAllRowsVisible(true);
    }

    /** Where a job is: its place in the queue, the worker running it, or why it waits. */
    static String where(JobOverview job) {
        return switch (job.status()) {
            case QUEUED -> job.placeInQueue().isPresent() ? "queue, place " + job.placeInQueue().getAsInt()
                    : "queue";
            case PAUSED -> "paused" + job.worker().map(w -> ", last on " + w).orElse("");
            case RUNNING -> job.worker().map(w -> "on " + w).orElse("starting on a worker");
            default -> job.worker().map(w -> "ran on " + w).orElse("–");
        };
    }
}
