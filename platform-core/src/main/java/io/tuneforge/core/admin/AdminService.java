package io.tuneforge.core.admin;

import io.tuneforge.core.job.FineTuningJob;
import io.tuneforge.core.job.FineTuningJobRepository;
import io.tuneforge.core.job.JobService;
import io.tuneforge.core.job.JobStatus;
import io.tuneforge.core.team.Team;
import io.tuneforge.core.team.TeamRepository;
import io.tuneforge.core.user.AccountException;
import io.tuneforge.core.user.AccountNotFoundException;
import io.tuneforge.core.user.Actor;
import io.tuneforge.core.user.AppUser;
import io.tuneforge.core.user.AppUserRepository;
import io.tuneforge.core.user.Role;
import io.tuneforge.core.user.UserAccountService;
import io.tuneforge.core.worker.Worker;
import io.tuneforge.core.worker.WorkerDeviceRepository;
import io.tuneforge.core.worker.WorkerRegistry;
import io.tuneforge.core.worker.WorkerRepository;
import java.time.Instant;
import java.util.List;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * What administrators change: queue order and priorities, worker availability (drain, pause), teams and their
 * device quotas, users and roles. Every method refuses non-administrators.
 */
@Service
@Transactional
public class AdminService {

    private final FineTuningJobRepository jobs;
    private final JobService jobService;
    private final WorkerRepository workers;
    private final WorkerDeviceRepository devices;
    private final TeamRepository teams;
    private final AppUserRepository users;
    private final UserAccountService accounts;
    private final WorkerRegistry registry;

    public AdminService(FineTuningJobRepository jobs, JobService jobService, WorkerRepository workers,
            WorkerDeviceRepository devices, TeamRepository teams, AppUserRepository users, UserAccountService accounts,
            WorkerRegistry registry) {
        this.registry = registry;
        this.jobs = jobs;
        this.jobService = jobService;
        this.workers = workers;
        this.devices = devices;
        this.teams = teams;
        this.users = users;
        this.accounts = accounts;
    }

    /**
     * A worker with its devices and load.
     *
     * @param id            worker id
     * @param name          worker name
     * @param host          host name
     * @param status        online, draining, paused or offline
     * @param availability  what an administrator chose (kept while the worker is offline, applied when it returns)
     * @param lastHeartbeat last sign of life
     * @param devices       e.g. "cuda:0 NVIDIA H200 (139.8 GiB)"
     * @param runningJobs   jobs it runs now
     */
    public record WorkerLine(long id, String name, String host, Worker.Status status,
            Worker.Availability availability, Instant lastHeartbeat, List<String> devices, long runningJobs) {
    }

    /**
     * A team with its quota and size.
     *
     * @param id                   team id
     * @param name                 team name
     * @param maxConcurrentDevices devices its jobs may hold at once
     * @param members              users in it
     */
    public record TeamLine(long id, String name, int maxConcurrentDevices, long members) {
    }

    /**
     * A user account.
     *
     * @param id          user id
     * @param username    login name
     * @param displayName shown name
     * @param role        admin, member or viewer
     * @param team        team name
     * @param enabled     may log in
     */
    public record UserLine(long id, String username, String displayName, Role role, String team, boolean enabled) {
    }

    /** Sets a queued job's priority (higher runs first). */
    public void setPriority(Actor actor, long jobId, int priority) {
        actor.requireAdmin();
        job(jobId).setPriority(priority);
    }

    /** Moves a queued job ahead of the one before it (by giving it that job's priority + 1). */
    public void moveUp(Actor actor, long jobId) {
        actor.requireAdmin();
        List<FineTuningJob> queue = jobs.findByStatusOrderByPriorityDescQueuedAtAscIdAsc(JobStatus.QUEUED);
        for (int i = 1; i < queue.size(); i++) {
            if (queue.get(i).getId() == jobId) {
                queue.get(i).setPriority(queue.get(i - 1).getPriority() + 1);
                return;
            }
        }
    }

    /** Cancels any team's job. */
    public void cancel(Actor actor, long jobId) {
        actor.requireAdmin();
        jobService.cancel(actor, jobId);
    }

    @Transactional(readOnly = true)
    public List<WorkerLine> workers(Actor actor) {
        actor.requireAdmin();
        return workers.findAllByOrderByNameAsc().stream().map(this::workerLine).toList();
    }

    private WorkerLine workerLine(Worker w) {
        return new WorkerLine(w.getId(), w.getName(), w.getHost(), w.getStatus(), w.getAvailability(),
                w.getLastHeartbeatAt(),
                devices.findByWorkerIdOrderByDeviceIndexAsc(w.getId()).stream()
                        .map(d -> d.getKind().name().toLowerCase() + (d.getDeviceIndex() >= 0 ? ":" + d.getDeviceIndex() : "")
                                + " " + d.getName() + String.format(" (%.1f GiB%s)", d.getMemoryBytes() / 1073741824.0,
                                        d.computesBf16() ? ", bf16" : ""))
                        .toList(),
                jobs.findAll().stream().filter(j -> j.getStatus() == JobStatus.RUNNING
                        && j.getWorker().map(x -> x.getId().equals(w.getId())).orElse(false)).count());
    }

    /** Drain (finish running jobs, take no new ones), pause, or put a worker back online; returns the worker. */
    public WorkerLine setWorkerStatus(Actor actor, long workerId, Worker.Status status) {
        actor.requireAdmin();
        if (status == Worker.Status.OFFLINE) {
            throw new AccountException("A worker goes offline by stopping it; choose drain or pause");
        }
        Worker.Availability availability = switch (status) {
            case DRAINING -> Worker.Availability.DRAINING;
            case PAUSED -> Worker.Availability.PAUSED;
            default -> Worker.Availability.ACTIVE;
        };
        if (!registry.setAvailability(workerId, availability)) {
            throw new AccountNotFoundException("No worker " + workerId);
        }
        return workerLine(workers.findById(workerId)
                .orElseThrow(() -> new AccountNotFoundException("No worker " + workerId)));
    }

    @Transactional(readOnly = true)
    public List<TeamLine> teams(Actor actor) {
        actor.requireAdmin();
        List<AppUser> all = users.findAll();
        return teams.findAll().stream().sorted((a, b) -> a.getName().compareToIgnoreCase(b.getName()))
                .map(t -> new TeamLine(t.getId(), t.getName(), t.getMaxConcurrentDevices(),
                        all.stream().filter(u -> u.getTeam().getId().equals(t.getId())).count()))
                .toList();
    }

    public TeamLine createTeam(Actor actor, String name, int maxConcurrentDevices) {
        actor.requireAdmin();
        String trimmed = name == null ? "" : name.strip();
        if (trimmed.isEmpty() || trimmed.length() > 100) {
            throw new AccountException("name", "Give the team a name of 1 to 100 characters");
        }
        if (teams.findByName(trimmed).isPresent()) {
            throw new AccountException("name", "A team named " + trimmed + " exists already");
        }
        Team team = teams.save(new Team(trimmed, requireQuota(maxConcurrentDevices)));
        return new TeamLine(team.getId(), team.getName(), team.getMaxConcurrentDevices(), 0);
    }

    /** Sets how many devices a team's jobs may hold at once. */
    public void setQuota(Actor actor, long teamId, int maxConcurrentDevices) {
        actor.requireAdmin();
        team(teamId).setMaxConcurrentDevices(requireQuota(maxConcurrentDevices));
    }

    /** Sets a team's device quota and returns the team as lists show it. */
    public TeamLine changeQuota(Actor actor, long teamId, int maxConcurrentDevices) {
        setQuota(actor, teamId, maxConcurrentDevices);
        Team team = team(teamId);
        return new TeamLine(team.getId(), team.getName(), team.getMaxConcurrentDevices(),
                users.findAll().stream().filter(u -> u.getTeam().getId().equals(team.getId())).count());
    }

    @Transactional(readOnly = true)
    public List<UserLine> users(Actor actor) {
        actor.requireAdmin();
        return users.findAll().stream().sorted((a, b) -> a.getUsername().compareToIgnoreCase(b.getUsername()))
                .map(AdminService::line).toList();
    }

    public UserLine createUser(Actor actor, String username, String displayName, String password, Role role, long teamId) {
        actor.requireAdmin();
        Team team = teams.findById(teamId).orElseThrow(() -> new AccountException("Choose a team"));
        return line(accounts.createUser(username, displayName, password, role, team));
    }

    /** Creates a user in the team of that name (the API's way: scripts know names, not ids). */
    public UserLine createUser(Actor actor, String username, String displayName, String password, Role role,
            String teamName) {
        actor.requireAdmin();
        Team team = teams.findByName(teamName == null ? "" : teamName.strip()).orElseThrow(() -> new AccountException(
                "team", "No team named '" + teamName + "': create it first (POST /api/v1/teams)"));
        return line(accounts.createUser(username, displayName, password, role, team));
    }

    /** Changes a user's role, keeping their team; an administrator cannot demote themself. */
    public UserLine changeRole(Actor actor, long userId, Role role) {
        actor.requireAdmin();
        if (userId == actor.userId() && role != Role.ADMIN) {
            throw new AccountException("role", "You cannot demote yourself; ask another administrator");
        }
        AppUser user = users.findById(userId).orElseThrow(() -> new AccountNotFoundException("No user " + userId));
        user.setRole(role);
        return line(user);
    }

    /** Changes a user's role and team; an administrator cannot demote themself (someone must stay admin). */
    public void updateUser(Actor actor, long userId, Role role, long teamId, boolean enabled) {
        actor.requireAdmin();
        if (userId == actor.userId() && (role != Role.ADMIN || !enabled)) {
            throw new AccountException("You cannot demote or disable yourself; ask another administrator");
        }
        AppUser user = users.findById(userId).orElseThrow(() -> new AccountNotFoundException("No user " + userId));
        user.setRole(role);
        user.setTeam(team(teamId));
        user.setEnabled(enabled);
    }

    private FineTuningJob job(long jobId) {
        return jobs.findById(jobId).orElseThrow(() -> new AccountException("No job " + jobId));
    }

    private Team team(long teamId) {
        return teams.findById(teamId).orElseThrow(() -> new AccountNotFoundException("No team " + teamId));
    }

    private static int requireQuota(int quota) {
        if (quota < 0 || quota > 1024) {
            throw new AccountException("device_quota", "The device quota must be between 0 and 1024");
        }
        return quota;
    }

    private static UserLine line(AppUser u) {
        return new UserLine(u.getId(), u.getUsername(), u.getDisplayName(), u.getRole(), u.getTeam().getName(),
                u.isEnabled());
    }
}
