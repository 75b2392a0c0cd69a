-- Issue 16 item 7: a lost worker (its lease expired and the job was re-queued) no longer uses up one of the job's
-- max_attempts. Such restarts are counted here instead, bounded by tuneforge.queue.max-infrastructure-retries, so a
-- job that kills every worker it runs on still ends (failed with worker_lost) instead of cycling for ever.
ALTER TABLE fine_tuning_jobs
    ADD COLUMN infrastructure_retries INTEGER NOT NULL DEFAULT 0 CHECK (infrastructure_retries >= 0);
