package io.tuneforge.web.job;

import com.vaadin.flow.component.AttachEvent;
import com.vaadin.flow.component.UI;
import com.vaadin.flow.component.button.Button;
import com.vaadin.flow.component.button.ButtonVariant;
import com.vaadin.flow.component.grid.Grid;
import com.vaadin.flow.component.orderedlayout.VerticalLayout;
import com.vaadin.flow.component.progressbar.ProgressBar;
import com.vaadin.flow.router.Menu;
import com.vaadin.flow.router.PageTitle;
import com.vaadin.flow.router.Route;
import io.tuneforge.core.job.JobMonitorService;
import io.tuneforge.core.job.JobOverview;
import io.tuneforge.core.user.Actor;
import io.tuneforge.web.layout.SectionHeader;
import io.tuneforge.web.security.CurrentActor;
import jakarta.annotation.security.PermitAll;

/** Every fine-tuning job of the team, newest first; a click opens the job page. */
@Route("jobs")
@PageTitle("Jobs · TuneForge")
@Menu(title = "Jobs", order = 3, icon = "vaadin:play-circle")
@PermitAll
public class JobsView extends VerticalLayout {

    private final JobMonitorService monitor;
    private final Actor actor;

    final Button newJob = new Button("New job");
    final Grid<JobOverview> grid = new Grid<>(JobOverview.class, false);

    public JobsView(JobMonitorService monitor, CurrentActor currentActor) {
        this.monitor = monitor;
        this.actor = currentActor.get();
        setSizeFull();
        newJob.addThemeVariants(ButtonVariant.LUMO_PRIMARY);
        newJob.addClickListener(click -> UI.getCurrent().navigate(NewJobView.class));
        configureGrid();
        add(new SectionHeader("Jobs", "Queue, run and watch fine-tuning jobs."), newJob, grid);
    }

    @Override
    protected void onAttach(AttachEvent attachEvent) {
        grid.setItems(monitor.list(actor));
    }

    private void configureGrid() {
        grid.addColumn(JobOverview::id).setHeader("#").setAutoWidth(true).setFlexGrow(0);
        grid.addColumn(JobOverview::name).setHeader("Name").setAutoWidth(true);
        grid.addColumn(j -> j.status().apiName()).setHeader("Status").setAutoWidth(true);
        grid.addComponentColumn(JobsView::progressBar).setHeader("Progress").setWidth("10em").setFlexGrow(0);
        grid.addColumn(j -> j.placeInQueue().isPresent() ? Integer.toString(j.placeInQueue().getAsInt()) : "")
                .setHeader("Queue").setAutoWidth(true);
        grid.addColumn(j -> j.method().name().toLowerCase()).setHeader("Method").setAutoWidth(true);
        grid.addColumn(JobOverview::baseModel).setHeader("Model").setAutoWidth(true);
        grid.addColumn(JobOverview::dataset).setHeader("Data").setAutoWidth(true);
        grid.addColumn(j -> j.sweepGroup().orElse("")).setHeader("Sweep").setAutoWidth(true);
        grid.addColumn(JobOverview::owner).setHeader("Owner").setAutoWidth(true);
        grid.addItemClickListener(click -> UI.getCurrent().navigate("jobs/" + click.getItem().id()));
        grid.setId("jobs");
        grid.setSizeFull();
        grid.setMinHeight("12em"); // never squeezed to a row or two when the window is short
    }

    static ProgressBar progressBar(JobOverview job) {
        ProgressBar bar = new ProgressBar(0, 1, job.progress());
        bar.setWidth("9em");
        return bar;
    }
}
