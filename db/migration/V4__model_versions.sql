-- Fine-tuned models with versions, promotion and rollback (Models section).

-- A team names the result of a succeeded job as a version of a fine-tuned model: results of one name are versions
-- 1, 2, ... in the order they were added. A job's result is a version of at most one model.
CREATE TABLE tuned_model_versions (
    id          BIGSERIAL PRIMARY KEY,
    team_id     BIGINT       NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    name        VARCHAR(200) NOT NULL CHECK (length(btrim(name)) > 0),
    version     INTEGER      NOT NULL CHECK (version > 0),
    job_id      BIGINT       NOT NULL UNIQUE REFERENCES fine_tuning_jobs (id) ON DELETE CASCADE,
    created_by  BIGINT       REFERENCES users (id),
    created_at  TIMESTAMPTZ  NOT NULL DEFAULT now(),
    UNIQUE (team_id, name, version)
);

-- Every promotion of a version to the team's current version of that model. Rows are never deleted: they are the
-- history. A rollback marks the current promotion rolled back; the newest promotion not rolled back is current.
CREATE TABLE tuned_model_promotions (
    id              BIGSERIAL PRIMARY KEY,
    team_id         BIGINT       NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    name            VARCHAR(200) NOT NULL,
    version_id      BIGINT       NOT NULL REFERENCES tuned_model_versions (id) ON DELETE CASCADE,
    promoted_by     BIGINT       REFERENCES users (id),
    promoted_at     TIMESTAMPTZ  NOT NULL DEFAULT now(),
    rolled_back_by  BIGINT       REFERENCES users (id),
    rolled_back_at  TIMESTAMPTZ,
    CHECK (rolled_back_by IS NULL OR rolled_back_at IS NOT NULL)
);
CREATE INDEX tuned_model_promotions_model_idx ON tuned_model_promotions (team_id, name, id);
