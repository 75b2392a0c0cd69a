-- Ratings train the next model (DD030): a dataset version exported from a blind A/B rating session keeps the session
-- it came from, and a job that continues another job's LoRA adapter keeps that job, so the lineage reads
-- base model → sft job → dpo job.

-- the rating session whose preferences this version holds; NULL for uploads and imports
ALTER TABLE dataset_versions
    ADD COLUMN rating_session_id BIGINT REFERENCES rating_sessions (id) ON DELETE SET NULL;
CREATE INDEX dataset_versions_rating_session_idx ON dataset_versions (rating_session_id)
    WHERE rating_session_id IS NOT NULL;

-- the succeeded job whose adapter this job continues training (adapter_name_or_path of a platform job); NULL when it
-- starts from the base model alone
ALTER TABLE fine_tuning_jobs
    ADD COLUMN adapter_from_job_id BIGINT REFERENCES fine_tuning_jobs (id) ON DELETE SET NULL;
