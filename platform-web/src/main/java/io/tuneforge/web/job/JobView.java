package io.tuneforge.web.job;

import com.vaadin.flow.component.AttachEvent;
import com.vaadin.flow.component.DetachEvent;
import com.vaadin.flow.component.UI;
import com.vaadin.flow.component.button.Button;
import com.vaadin.flow.component.button.ButtonVariant;
import com.vaadin.flow.component.grid.Grid;
import com.vaadin.flow.component.grid.GridVariant;
import com.vaadin.flow.component.html.Div;
import com.vaadin.flow.component.html.H2;
import com.vaadin.flow.component.html.H3;
import com.vaadin.flow.component.html.Paragraph;
import com.vaadin.flow.component.html.Span;
import com.vaadin.flow.component.orderedlayout.FlexComponent;
import com.vaadin.flow.component.orderedlayout.HorizontalLayout;
import com.vaadin.flow.component.orderedlayout.VerticalLayout;
import com.vaadin.flow.component.progressbar.ProgressBar;
import com.vaadin.flow.router.BeforeEnterEvent;
import com.vaadin.flow.router.BeforeEnterObserver;
import com.vaadin.flow.router.PageTitle;
import com.vaadin.flow.router.Route;
import io.tuneforge.core.job.FailureAdvice;
import io.tuneforge.core.job.JobMonitorService;
import io.tuneforge.core.job.JobMonitorService.CheckpointLine;
import io.tuneforge.core.job.JobMonitorService.EventLine;
import io.tuneforge.core.job.MetricPoint;
import io.tuneforge.core.job.JobNotFoundException;
import io.tuneforge.core.job.JobRefusedException;
import io.tuneforge.core.job.JobService;
import io.tuneforge.core.job.JobStateException;
import io.tuneforge.core.job.JobStatus;
import io.tuneforge.core.job.JobOverview;
import io.tuneforge.core.job.MetricNames;
import io.tuneforge.core.model.TunedModelService;
import io.tuneforge.core.user.Actor;
import io.tuneforge.web.chart.MetricChart;
import io.tuneforge.web.layout.Notifications;
import io.tuneforge.web.security.CurrentActor;
import jakarta.annotation.security.PermitAll;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One job, live: progress with ETA, place in queue, charts that grow with each logged step (server push), events,
 * checkpoints, downloads and a readable failure reason. Reopening the page re-attaches to the running job.
 */
@Route("jobs/:id")
@PageTitle("Job · TuneForge")
@PermitAll
public class JobView extends VerticalLayout implements BeforeEnterObserver {

    /** Event lines kept on the page (the log tail). */
    static final int EVENT_TAIL = 200;

    private final JobMonitorService monitor;
    private final JobService lifecycle;
    private final JobFeed feed;
    private final TunedModelService tunedModels;
    private final Actor actor;

    private long jobId;
    private JobOverview job;
    private JobFeed.Subscription subscription;
    private final Map<String, Integer> lastSteps = new HashMap<>();
    private long lastEventId;
    private final List<EventLine> eventTail = new ArrayList<>();

    final H2 title = new H2();
    final Span status = new Span();
    final Span facts = new Span();
    /** The jobs whose adapters this one continues, from the base model (DD030); hidden for a job of its own. */
    final Span lineage = new Span();
    final ProgressBar progress = new ProgressBar(0, 1);
    private com.vaadin.flow.shared.Registration tick;
    final Span progressText = new Span();
    final Div failure = new Div();
    final Button clone = new Button("Clone");
    final Button cancel = new Button("Cancel");
    final Button pause = new Button("Pause");
    final Button resume = new Button("Resume");
    final MetricChart lossChart = new MetricChart("Loss", List.of(MetricNames.LOSS, MetricNames.EVAL_LOSS), true, false)
            .markPoints(List.of(MetricNames.EVAL_LOSS));
    final MetricChart lrChart = new MetricChart("Learning rate", List.of(MetricNames.LEARNING_RATE), false, false);
    final MetricChart gradChart = new MetricChart("Gradient norm", List.of(MetricNames.GRAD_NORM), false, false);
    final MetricChart speedChart = new MetricChart("Tokens / s", List.of(MetricNames.THROUGHPUT), false, false);
    /** Stage dpo / rm (TRL's metrics): implicit rewards of chosen and rejected answers and their margin. */
    final MetricChart rewardsChart = new MetricChart("Rewards", List.of(MetricNames.REWARDS_CHOSEN,
            MetricNames.REWARDS_REJECTED, MetricNames.REWARDS_MARGINS), false, false);
    /** Stage dpo / rm: share of pairs ranked right. */
    final MetricChart accuracyChart = new MetricChart("Reward accuracy", List.of(MetricNames.REWARDS_ACCURACIES),
            false, false);
    /** Stage dpo: the policy's log-probabilities of chosen and rejected answers. */
    final MetricChart logpsChart = new MetricChart("Log-probabilities", List.of(MetricNames.LOGPS_CHOSEN,
            MetricNames.LOGPS_REJECTED), false, false);
    /** Stage ppo: the reward model's mean score of the rollouts and the KL to the reference (DD037). */
    final MetricChart ppoChart = new MetricChart("PPO score and KL", List.of(MetricNames.PPO_MEAN_SCORES,
            MetricNames.KL), false, false);
    /** The newest value of every metric the job logged, by name. */
    final Grid<MetricPoint> metricsTable = new Grid<>();
    private final Map<String, MetricPoint> latestMetrics = new java.util.TreeMap<>();
    final Grid<EventLine> events = new Grid<>();
    final Grid<CheckpointLine> checkpoints = new Grid<>();
    final HorizontalLayout downloads = new HorizontalLayout();
    /** Expert load per layer of a mixture of experts, added with its first points; null until then. */
    MetricChart expertLoadChart;
    /** The metric charts; hidden for a job that failed before logging a point (its failure says why instead). */
    final Div charts = new Div();
    /** Whether any metric point has arrived. */
    private boolean hasMetrics;

    public JobView(JobMonitorService monitor, JobService lifecycle, JobFeed feed, TunedModelService tunedModels,
            CurrentActor currentActor) {
        this.tunedModels = tunedModels;
        this.monitor = monitor;
        this.lifecycle = lifecycle;
        this.feed = feed;
        this.actor = currentActor.get();
        configureGrids();
        clone.addClickListener(click -> UI.getCurrent().navigate("jobs/new?clone=" + jobId));
        cancel.addThemeVariants(ButtonVariant.LUMO_ERROR);
        cancel.addClickListener(click -> act(() -> lifecycle.cancel(actor, jobId), "Cancel requested"));
        pause.addClickListener(click -> act(() -> lifecycle.pause(actor, jobId), "Pause requested"));
        resume.addClickListener(click -> act(() -> lifecycle.resume(actor, jobId), "Back in the queue"));
        failure.setVisible(false);
        status.setId("job-status");
        progressText.setId("job-progress-text");
        progress.setId("job-progress");
        title.setId("job-title");
        lossChart.setId("loss-chart");
        lineage.setId("job-lineage");
        lineage.setVisible(false);
        failure.getStyle().set("border-left", "4px solid var(--lumo-error-color)").set("padding", "var(--lumo-space-s)");
        progress.setWidth("28em");
        HorizontalLayout header = new HorizontalLayout(title, status, cancel, pause, resume, clone);
        header.setWrap(true); // fits narrow windows (1280×720) by wrapping
        header.setDefaultVerticalComponentAlignment(FlexComponent.Alignment.CENTER);
        HorizontalLayout progressRow = new HorizontalLayout(progress, progressText);
        progressRow.setWrap(true); // fits narrow windows (1280×720) by wrapping
        progressRow.setDefaultVerticalComponentAlignment(FlexComponent.Alignment.CENTER);
        charts.add(lossChart, rewardsChart, accuracyChart, logpsChart, ppoChart, lrChart, gradChart, speedChart);
        List.of(rewardsChart, accuracyChart, logpsChart, ppoChart).forEach(chart -> chart.setVisible(false));
        ppoChart.setId("ppo-chart");
        rewardsChart.setId("rewards-chart");
        accuracyChart.setId("reward-accuracy-chart");
        logpsChart.setId("logps-chart");
        metricsTable.setId("job-metrics");
        charts.getStyle().set("display", "grid").set("grid-template-columns", "repeat(auto-fit, minmax(420px, 1fr))")
                .set("gap", "var(--lumo-space-m)").set("width", "100%");
        add(header, facts, lineage, progressRow, failure, charts, new H3("Latest metrics"), metricsTable,
                new H3("Downloads"), downloads,
                new H3("Events and log"), events, new H3("Checkpoints"), checkpoints);
    }

    @Override
    public void beforeEnter(BeforeEnterEvent event) {
        jobId = event.getRouteParameters().getLong("id").orElse(-1L);
        load();
    }

    @Override
    protected void onAttach(AttachEvent attachEvent) {
        scrollToTop();
        UI ui = attachEvent.getUI();
        subscription = feed.subscribe(actor, jobId, lastSteps, lastEventId,
                update -> ui.access(() -> apply(update)));
        if (job != null) {
            keepTicking(job.status() == JobStatus.RUNNING);
        }
    }

    /** Seconds between two refreshes of the elapsed time and the time left while the job runs. */
    static final int TICK_MILLIS = 1000;

    /**
     * While the job runs, the browser asks for a refresh every second, so elapsed time and time left move smoothly
     * between the worker's reports; stopped when the job ends or the view is left.
     */
    private void keepTicking(boolean running) {
        getUI().ifPresent(ui -> {
            if (running && tick == null) {
                ui.setPollInterval(TICK_MILLIS);
                tick = ui.addPollListener(poll -> progressText.setText(progressText(job, Instant.now())));
            } else if (!running && tick != null) {
                stopTicking(ui);
            }
        });
    }

    private void stopTicking(UI ui) {
        if (tick != null) {
            tick.remove();
            tick = null;
            ui.setPollInterval(-1);
        }
    }

    @Override
    protected void onDetach(DetachEvent detachEvent) {
        stopTicking(detachEvent.getUI());
        if (subscription != null) {
            subscription.close();
            subscription = null;
        }
    }

    /**
     * Opens the page at its top (title, status, progress, loss chart): the router keeps the scroll position of the
     * page before, and New job is left scrolled down to its Launch button. Resets every scrolled ancestor (through
     * slots into the app layout's shadow tree), whichever element scrolls, once rendered and once more after the first
     * rows and charts have come in.
     */
    private void scrollToTop() {
        getElement().executeJs("""
                const top = () => {
                  // up through slots and shadow roots: the app layout scrolls a part of its own shadow tree
                  for (let e = this; e; e = e.assignedSlot || e.parentElement
                          || (e.getRootNode && e.getRootNode().host)) {
                    if (e.scrollTop) e.scrollTop = 0;
                  }
                  window.scrollTo(0, 0);
                };
                requestAnimationFrame(top);
                setTimeout(top, 300);""");
    }

    /** Reads everything once (the feed then sends only what is new). */
    private void load() {
        job = monitor.get(actor, jobId);
        showLineage();
        List<MetricPoint> metrics = monitor.metrics(actor, jobId, 0);
        List<EventLine> lines = monitor.events(actor, jobId, 0);
        apply(new JobFeed.JobUpdate(job, metrics, lines));
    }

    /**
     * A mixture of experts' load per layer ({@code moe/expert_load/layer_N}: the busiest expert's share × experts,
     * 1 = balanced), charted once the first such points arrive; the layers are those of the first points.
     */
    private void appendExpertLoad(List<MetricPoint> points) {
        if (expertLoadChart == null) {
            List<String> layers = points.stream().map(MetricPoint::name)
                    .filter(n -> n.matches("moe/expert_load/layer_\\d+")).distinct().toList();
            if (layers.isEmpty()) {
                return;
            }
            expertLoadChart = new MetricChart("Expert load (busiest expert's share × experts)", layers, false, false);
            expertLoadChart.setId("expert-load-chart");
            charts.add(expertLoadChart);
        }
        expertLoadChart.append(points);
    }

    /** Applies an update (on the UI thread). */
    void apply(JobFeed.JobUpdate update) {
        job = update.job();
        showJob();
        update.metrics().forEach(p -> lastSteps.merge(p.name(), p.step(), Math::max));
        hasMetrics |= !update.metrics().isEmpty();
        charts.setVisible(hasMetrics || job.status() != JobStatus.FAILED);
        for (MetricChart chart : List.of(lossChart, rewardsChart, accuracyChart, logpsChart, ppoChart, lrChart,
                gradChart, speedChart)) {
            chart.append(update.metrics());
        }
        appendExpertLoad(update.metrics());
        if (!update.metrics().isEmpty()) {
            update.metrics().forEach(p -> latestMetrics.merge(p.name(), p, (old, now) -> now.step() >= old.step()
                    ? now : old));
            metricsTable.setItems(new ArrayList<>(latestMetrics.values()));
        }
        if (!update.events().isEmpty()) {
            eventTail.addAll(update.events());
            lastEventId = eventTail.getLast().id();
            if (eventTail.size() > EVENT_TAIL) {
                eventTail.subList(0, eventTail.size() - EVENT_TAIL).clear();
            }
            events.setItems(new ArrayList<>(eventTail));
            events.recalculateColumnWidths(); // the type column fits the longest type, not the first rows'
            events.scrollToEnd();
        }
        if (update.job().status().isTerminal() || !update.events().isEmpty()) {
            checkpoints.setItems(monitor.checkpoints(actor, jobId));
            showDownloads();
        }
    }

    private void showJob() {
        title.setText(job.name());
        String stage = JobStage.of(job);
        boolean pairwise = stage.equals("dpo") || stage.equals("rm");
        rewardsChart.setVisible(pairwise);
        accuracyChart.setVisible(pairwise);
        logpsChart.setVisible(stage.equals("dpo"));
        ppoChart.setVisible(stage.equals("ppo"));
        status.setText(job.status().apiName());
        status.getElement().getThemeList().clear();
        status.getElement().getThemeList().add("badge " + switch (job.status()) {
            case SUCCEEDED -> "success";
            case FAILED, CANCELLED -> "error";
            case RUNNING -> "";
            default -> "contrast";
        });
        facts.setText("stage " + stage + " · " + job.methodLabel() + " on " + job.baseModel() + " · data " + job.dataset()
                + " · by " + job.owner() + job.sweepGroup().map(g -> " · sweep " + g).orElse("")
                + job.worker().map(w -> " · worker " + w).orElse(""));
        boolean active = !job.status().isTerminal();
        cancel.setEnabled(active);
        pause.setEnabled(job.status() == JobStatus.QUEUED || job.status() == JobStatus.RUNNING);
        resume.setEnabled(job.status() == JobStatus.PAUSED);
        progress.setValue(JobProgressText.fraction(job));
        progressText.setText(progressText(job, Instant.now()));
        keepTicking(job.status() == JobStatus.RUNNING);
        failure.setVisible(job.status() == JobStatus.FAILED);
        if (job.status() == JobStatus.FAILED) {
            failure.removeAll();
            String message = job.errorMessage().orElse("No reason was recorded.");
            failure.add(new Paragraph("Failed: " + message),
                    new Paragraph("What to do: " + FailureAdvice.advise(job.errorCode().orElse(""), message)));
        }
    }

    /** "Lineage: stories260K → sft-run #12 (sft) → dpo-run #13 (dpo)" when the job continues another's adapter. */
    private void showLineage() {
        List<TunedModelService.LineageJob> chain = tunedModels.lineage(actor, jobId);
        lineage.setVisible(chain.size() > 1);
        List<String> steps = new ArrayList<>();
        steps.add(job.baseModel());
        chain.forEach(j -> steps.add(j.name() + " #" + j.jobId() + " (" + j.stage() + ")"));
        lineage.setText("Lineage: " + String.join(" → ", steps));
    }

    private void act(Runnable action, String done) {
        try {
            action.run();
            Notifications.success(done);
            load();
        } catch (JobStateException | JobNotFoundException | JobRefusedException e) {
            Notifications.error(e.getMessage());
        }
    }

    /** The progress line: the phase with its count and time left, the time elapsed, or the place in the queue. */
    static String progressText(JobOverview job, Instant now) {
        return JobProgressText.describe(job, now);
    }

    private void showDownloads() {
        downloads.removeAll();
        var lines = monitor.artifacts(actor, jobId);
        if (lines.isEmpty()) {
            downloads.add(new Span(job.status().isTerminal() ? "This job produced no files."
                    : "Files appear here when the job has produced them."));
        }
        lines.forEach(artifact -> downloads.add(ArtifactDownloads.link(jobId, job.name(), artifact)));
    }

    private void configureGrids() {
        events.addColumn(e -> e.at().toString().substring(11, 19)).setHeader("Time (UTC)").setAutoWidth(true).setFlexGrow(0);
        events.addColumn(e -> e.level().name().toLowerCase()).setHeader("Level").setAutoWidth(true).setFlexGrow(0);
        events.addColumn(EventLine::type).setHeader("Type").setAutoWidth(true).setFlexGrow(0);
        events.addColumn(EventLine::message).setHeader("Message").setFlexGrow(1);
        events.setHeight("16em");
        events.addThemeVariants(GridVariant.LUMO_WRAP_CELL_CONTENT); // long messages wrap instead of being cut off
        metricsTable.addColumn(MetricPoint::name).setHeader("Metric").setAutoWidth(true).setFlexGrow(0);
        metricsTable.addColumn(MetricPoint::step).setHeader("Step").setAutoWidth(true).setFlexGrow(0);
        metricsTable.addColumn(p -> String.format(java.util.Locale.ROOT, "%.6g", p.value())).setHeader("Value");
        metricsTable.setAllRowsVisible(true);
        checkpoints.addColumn(CheckpointLine::step).setHeader("Step").setAutoWidth(true).setFlexGrow(0);
        checkpoints.addColumn(c -> c.metricsJson().orElse("")).setHeader("Metrics");
        checkpoints.addColumn(c -> c.at().toString().substring(0, 19).replace('T', ' ')).setHeader("Saved (UTC)");
        checkpoints.setHeight("10em");
    }

    static String human(Duration duration) {
        return JobProgressText.human(duration);
    }
}
