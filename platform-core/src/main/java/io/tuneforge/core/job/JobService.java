package io.tuneforge.core.job;

import io.tuneforge.core.user.Actor;
import java.time.Instant;
import java.util.Map;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * The job lifecycle as users drive it: cancel, pause and resume. Each locks the job's row (status changes race with
 * the worker and the reaper), changes it through {@link FineTuningJob}'s methods, records the event and announces the
 * change ({@link JobEvents#announce}). Another team's job reads as absent ({@link JobNotFoundException}). Jobs are
 * created by {@link JobSubmissionService} and read through {@link JobMonitorService}.
 */
@Service
public class JobService {

    private final FineTuningJobRepository jobs;
    private final JobEvents events;
    private final JobMonitorService monitor;

    JobService(FineTuningJobRepository jobs, JobEvents events, JobMonitorService monitor) {
        this.jobs = jobs;
        this.events = events;
        this.monitor = monitor;
    }

    /** Cancels a job: at once when it is not running, else at the worker's next step (within ~2 s). */
    @Transactional
    public JobOverview cancel(Actor caller, long jobId) {
        caller.requireWriter();
        FineTuningJob job = lockedVisible(caller, jobId);
        Instant now = Instant.now();
        if (job.getStatus() == JobStatus.RUNNING) {
            job.requestCancel(now);
            events.info(jobId, JobEventType.CANCEL_REQUESTED, "Cancel requested; the worker stops at its next step",
                    Map.of());
            events.notifyControl(jobId);
        } else {
            job.cancel(now);
            events.info(jobId, JobEventType.JOB_CANCELLED, "Job cancelled", Map.of());
        }
        return saved(caller, job);
    }

    /** Pauses a job: a queued job is held; a running one saves a checkpoint and releases its device. */
    @Transactional
    public JobOverview pause(Actor caller, long jobId) {
        caller.requireWriter();
        FineTuningJob job = lockedVisible(caller, jobId);
        Instant now = Instant.now();
        if (job.getStatus() == JobStatus.RUNNING) {
            job.requestPause(now);
            events.info(jobId, JobEventType.PAUSE_REQUESTED, "Pause requested; the worker saves a checkpoint and stops",
                    Map.of());
            events.notifyControl(jobId);
        } else {
            job.pause(now);
            events.info(jobId, JobEventType.JOB_PAUSED, "Job paused while queued", Map.of());
        }
        return saved(caller, job);
    }

    /** Puts a paused job back in the queue; it continues from its last checkpoint. */
    @Transactional
    public JobOverview resume(Actor caller, long jobId) {
        caller.requireWriter();
        FineTuningJob job = lockedVisible(caller, jobId);
        job.resume(Instant.now());
        events.info(jobId, JobEventType.JOB_RESUMED, "Job resumed; waiting for a device", Map.of());
        return saved(caller, job);
    }

    /** The job with its row locked for this transaction, read fresh. */
    private FineTuningJob lockedVisible(Actor caller, long jobId) {
        return jobs.findForUpdateById(jobId).filter(j -> caller.canSee(j.getTeam().getId()))
                .orElseThrow(() -> new JobNotFoundException(jobId));
    }

    private JobOverview saved(Actor caller, FineTuningJob job) {
        jobs.saveAndFlush(job);
        events.announce(job);
        return monitor.get(caller, job.getId());
    }
}
