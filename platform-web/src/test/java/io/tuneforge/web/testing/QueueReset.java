package io.tuneforge.web.testing;

import io.tuneforge.core.job.JobService;
import io.tuneforge.core.user.Actor;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Browser tests share the run's database with every other test class: jobs those left queued, running or paused
 * would go first on the embedded worker, so a browser test cancels them before it starts its own.
 */
public final class QueueReset {

    private QueueReset() {
    }

    /** Cancels every unfinished job in the database as {@code admin}. */
    public static void cancelUnfinishedJobs(JdbcTemplate jdbc, JobService jobs, Actor admin) {
        for (Long id : jdbc.queryForList("select id from fine_tuning_jobs where status in "
                + "('queued', 'running', 'paused')", Long.class)) {
            try {
                jobs.cancel(admin, id);
            } catch (RuntimeException alreadyFinished) {
                // it ended between the query and the cancel
            }
        }
    }
}
