package io.tuneforge.web.admin;

import com.vaadin.flow.component.AttachEvent;
import com.vaadin.flow.component.button.Button;
import com.vaadin.flow.component.button.ButtonVariant;
import com.vaadin.flow.component.combobox.ComboBox;
import com.vaadin.flow.component.grid.Grid;
import com.vaadin.flow.component.orderedlayout.FlexComponent;
import com.vaadin.flow.component.orderedlayout.HorizontalLayout;
import com.vaadin.flow.component.orderedlayout.VerticalLayout;
import com.vaadin.flow.component.select.Select;
import com.vaadin.flow.component.html.H3;
import com.vaadin.flow.component.textfield.IntegerField;
import com.vaadin.flow.component.textfield.PasswordField;
import com.vaadin.flow.component.textfield.TextField;
import com.vaadin.flow.router.Menu;
import com.vaadin.flow.router.PageTitle;
import com.vaadin.flow.router.Route;
import io.tuneforge.core.admin.AdminService;
import io.tuneforge.core.admin.AdminService.TeamLine;
import io.tuneforge.core.admin.AdminService.UserLine;
import io.tuneforge.core.admin.AdminService.WorkerLine;
import io.tuneforge.core.job.JobMonitorService;
import io.tuneforge.core.job.JobOverview;
import io.tuneforge.core.user.Actor;
import io.tuneforge.core.user.Role;
import io.tuneforge.core.worker.Worker;
import io.tuneforge.web.layout.Notifications;
import io.tuneforge.web.layout.SectionHeader;
import io.tuneforge.web.security.CurrentActor;
import jakarta.annotation.security.RolesAllowed;

/** The GPU queue, workers and devices, teams, users and quotas. */
@Route("admin")
@PageTitle("Admin · TuneForge")
@Menu(title = "Admin", order = 7, icon = "vaadin:cogs")
@RolesAllowed("ADMIN")
public class AdminView extends VerticalLayout {

    private final AdminService admin;
    private final JobMonitorService monitor;
    private final Actor actor;

    final Grid<JobOverview> queue = new Grid<>();
    final Grid<WorkerLine> workers = new Grid<>();
    final Grid<TeamLine> teams = new Grid<>();
    final Grid<UserLine> users = new Grid<>();
    final TextField teamName = new TextField("New team");
    final IntegerField teamQuota = new IntegerField("Device quota");
    final Button createTeam = new Button("Create team");
    final TextField username = new TextField("Username");
    final TextField displayName = new TextField("Display name");
    final PasswordField password = new PasswordField("Password");
    final Select<Role> role = new Select<>();
    final ComboBox<TeamLine> userTeam = new ComboBox<>("Team");
    final Button createUser = new Button("Create user");

    public AdminView(AdminService admin, JobMonitorService monitor, CurrentActor currentActor) {
        this.admin = admin;
        this.monitor = monitor;
        this.actor = currentActor.get();
        add(new SectionHeader("Admin", "The GPU queue, workers and devices, teams, users and quotas."),
                new H3("Queue"), queueTab(), new H3("Workers and devices"), workersTab(),
                new H3("Teams and quotas"), teamsTab(), new H3("Users and roles"), usersTab());
    }

    @Override
    protected void onAttach(AttachEvent attachEvent) {
        refresh();
    }

    void refresh() {
        queue.setItems(monitor.queue(actor));
        workers.setItems(admin.workers(actor));
        teams.setItems(admin.teams(actor));
        userTeam.setItems(admin.teams(actor));
        users.setItems(admin.users(actor));
    }

    private VerticalLayout queueTab() {
        queue.addColumn(j -> j.placeInQueue().orElse(0)).setHeader("Place").setAutoWidth(true).setFlexGrow(0);
        queue.addColumn(JobOverview::id).setHeader("Job").setAutoWidth(true).setFlexGrow(0);
        queue.addColumn(JobOverview::name).setHeader("Name").setAutoWidth(true);
        queue.addColumn(JobOverview::team).setHeader("Team").setAutoWidth(true);
        queue.addColumn(JobOverview::owner).setHeader("Owner").setAutoWidth(true);
        queue.addComponentColumn(this::priorityField).setHeader("Priority").setAutoWidth(true);
        queue.addComponentColumn(job -> new HorizontalLayout(
                button("Move up", () -> admin.moveUp(actor, job.id())),
                button("Cancel", () -> admin.cancel(actor, job.id())))).setHeader("").setAutoWidth(true);
        queue.setEmptyStateText("Nothing is waiting.");
        return wrap(queue);
    }

    private IntegerField priorityField(JobOverview job) {
        IntegerField field = new IntegerField();
        field.setValue(job.priority());
        field.setWidth("6em");
        field.addValueChangeListener(e -> {
            if (e.isFromClient() && e.getValue() != null) {
                run(() -> admin.setPriority(actor, job.id(), e.getValue()));
            }
        });
        return field;
    }

    private VerticalLayout workersTab() {
        workers.addColumn(WorkerLine::name).setHeader("Worker").setAutoWidth(true);
        workers.addColumn(WorkerLine::host).setHeader("Host").setAutoWidth(true);
        workers.addColumn(AdminView::workerStatus).setHeader("Status").setAutoWidth(true);
        workers.addColumn(w -> String.join(", ", w.devices())).setHeader("Devices").setAutoWidth(true);
        workers.addColumn(WorkerLine::runningJobs).setHeader("Running jobs").setAutoWidth(true);
        workers.addColumn(w -> w.lastHeartbeat().toString().substring(0, 19).replace('T', ' ')).setHeader("Last heartbeat (UTC)")
                .setAutoWidth(true);
        workers.addComponentColumn(w -> new HorizontalLayout(
                button("Drain", () -> admin.setWorkerStatus(actor, w.id(), Worker.Status.DRAINING)),
                button("Pause", () -> admin.setWorkerStatus(actor, w.id(), Worker.Status.PAUSED)),
                button("Online", () -> admin.setWorkerStatus(actor, w.id(), Worker.Status.ONLINE)))).setAutoWidth(true);
        workers.setEmptyStateText("No worker has registered. Start one with the trainer's worker command.");
        return wrap(workers);
    }

    private VerticalLayout teamsTab() {
        teams.addColumn(TeamLine::name).setHeader("Team").setAutoWidth(true);
        teams.addColumn(TeamLine::members).setHeader("Members").setAutoWidth(true);
        teams.addComponentColumn(team -> {
            IntegerField quota = new IntegerField();
            quota.setValue(team.maxConcurrentDevices());
            quota.setMin(0);
            quota.setWidth("6em");
            quota.addValueChangeListener(e -> {
                if (e.isFromClient() && e.getValue() != null) {
                    run(() -> admin.setQuota(actor, team.id(), e.getValue()));
                }
            });
            return quota;
        }).setHeader("Devices at once").setAutoWidth(true);
        teamQuota.setValue(1);
        teamQuota.setMin(0);
        createTeam.addClickListener(click -> run(() -> admin.createTeam(actor, teamName.getValue(),
                teamQuota.getValue() == null ? 1 : teamQuota.getValue())));
        HorizontalLayout form = new HorizontalLayout(teamName, teamQuota, createTeam);
        form.setWrap(true); // fits narrow windows (1280×720) by wrapping
        form.setDefaultVerticalComponentAlignment(FlexComponent.Alignment.BASELINE);
        VerticalLayout tab = wrap(teams);
        tab.addComponentAsFirst(form);
        return tab;
    }

    private VerticalLayout usersTab() {
        users.addColumn(UserLine::username).setHeader("Username").setAutoWidth(true);
        users.addColumn(UserLine::displayName).setHeader("Name").setAutoWidth(true);
        users.addColumn(UserLine::team).setHeader("Team").setAutoWidth(true);
        users.addComponentColumn(user -> {
            Select<Role> select = new Select<>();
            select.setItems(Role.values());
            select.setValue(user.role());
            select.addValueChangeListener(e -> {
                if (e.isFromClient()) {
                    long teamId = admin.teams(actor).stream().filter(t -> t.name().equals(user.team()))
                            .findFirst().map(TeamLine::id).orElseThrow();
                    run(() -> admin.updateUser(actor, user.id(), e.getValue(), teamId, user.enabled()));
                }
            });
            return select;
        }).setHeader("Role").setAutoWidth(true);
        users.addColumn(u -> u.enabled() ? "yes" : "no").setHeader("Enabled").setAutoWidth(true);
        role.setLabel("Role");
        role.setItems(Role.values());
        role.setValue(Role.MEMBER);
        userTeam.setItemLabelGenerator(TeamLine::name);
        password.setHelperText("At least 12 characters.");
        createUser.addThemeVariants(ButtonVariant.LUMO_PRIMARY);
        createUser.addClickListener(click -> run(() -> admin.createUser(actor, username.getValue(),
                displayName.getValue(), password.getValue(), role.getValue(),
                userTeam.getValue() == null ? -1 : userTeam.getValue().id())));
        HorizontalLayout form = new HorizontalLayout(username, displayName, password, role, userTeam, createUser);
        form.setDefaultVerticalComponentAlignment(FlexComponent.Alignment.BASELINE);
        form.setWrap(true);
        VerticalLayout tab = wrap(users);
        tab.addComponentAsFirst(form);
        return tab;
    }

    private Button button(String text, Runnable action) {
        Button button = new Button(text, click -> run(action));
        button.addThemeVariants(ButtonVariant.LUMO_SMALL);
        return button;
    }

    /** Runs an admin action, shows the refusal if any, and reloads the tables. */
    private void run(Runnable action) {
        try {
            action.run();
        } catch (RuntimeException e) {
            Notifications.error(e.getMessage());
        }
        refresh();
    }

    private static VerticalLayout wrap(Grid<?> grid) {
        grid.setAllRowsVisible(true);
        VerticalLayout layout = new VerticalLayout(grid);
        layout.setPadding(false);
        return layout;
    }

    /** "paused", or "offline (paused)" for a stopped worker that will come back paused. */
    private static String workerStatus(WorkerLine w) {
        String status = w.status().name().toLowerCase(java.util.Locale.ROOT);
        return w.status() == Worker.Status.OFFLINE && w.availability() != Worker.Availability.ACTIVE
                ? status + " (" + w.availability().name().toLowerCase(java.util.Locale.ROOT) + ")" : status;
    }
}
