-- A job no longer waits in 'validating_files' (issue 11): dataset versions are validated when they are uploaded,
-- and a job on data that is not valid is refused when it is submitted. Rows from before that still carry the
-- status join the queue when their data is valid, or fail with the reason otherwise; each gets the event that
-- says so. Then the status is no longer allowed.
WITH moved AS (
    UPDATE fine_tuning_jobs j
    SET status        = CASE WHEN v.status = 'valid' THEN 'queued' ELSE 'failed' END,
        queued_at     = CASE WHEN v.status = 'valid' THEN coalesce(j.queued_at, now()) ELSE j.queued_at END,
        error_code    = CASE WHEN v.status = 'valid' THEN NULL ELSE 'invalid_training_file' END,
        error_message = CASE WHEN v.status = 'valid' THEN NULL
                             ELSE 'The training file is invalid: validation found errors (see the file''s report). '
                                  || 'Fix the file, upload it again and submit a new job.' END,
        finished_at   = CASE WHEN v.status = 'valid' THEN NULL ELSE now() END,
        updated_at    = now()
    FROM dataset_versions v
    WHERE v.id = j.dataset_version_id
      AND j.status = 'validating_files'
    RETURNING j.id, j.status, j.error_code, j.error_message
)
INSERT INTO job_events (job_id, level, type, message, data)
SELECT id,
       CASE WHEN status = 'queued' THEN 'info' ELSE 'error' END,
       CASE WHEN status = 'queued' THEN 'JOB_QUEUED' ELSE 'JOB_ERROR' END,
       CASE WHEN status = 'queued' THEN 'Files validated; waiting for a device' ELSE error_message END,
       CASE WHEN status = 'queued' THEN NULL ELSE jsonb_build_object('code', error_code) END
FROM moved;

ALTER TABLE fine_tuning_jobs DROP CONSTRAINT fine_tuning_jobs_status_check;
ALTER TABLE fine_tuning_jobs ADD CONSTRAINT fine_tuning_jobs_status_check
    CHECK (status IN ('queued', 'running', 'paused', 'succeeded', 'failed', 'cancelled'));
