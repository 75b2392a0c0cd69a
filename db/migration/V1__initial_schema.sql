-- TuneForge initial schema. Every table keeps created_at; every status column is guarded by a CHECK.

CREATE TABLE teams (
    id                      BIGSERIAL PRIMARY KEY,
    name                    VARCHAR(100) NOT NULL UNIQUE,
    -- quota: how many devices (GPUs, or the CPU) this team's jobs may hold at once
    max_concurrent_devices  INTEGER      NOT NULL DEFAULT 1 CHECK (max_concurrent_devices >= 0),
    created_at              TIMESTAMPTZ  NOT NULL DEFAULT now()
);

CREATE TABLE users (
    id             BIGSERIAL PRIMARY KEY,
    username       VARCHAR(100) NOT NULL UNIQUE,
    display_name   VARCHAR(200) NOT NULL,
    password_hash  VARCHAR(255) NOT NULL,
    role           VARCHAR(20)  NOT NULL CHECK (role IN ('ADMIN', 'MEMBER', 'VIEWER')),
    team_id        BIGINT       NOT NULL REFERENCES teams (id),
    enabled        BOOLEAN      NOT NULL DEFAULT TRUE,
    created_at     TIMESTAMPTZ  NOT NULL DEFAULT now()
);
CREATE INDEX users_team_idx ON users (team_id);

CREATE TABLE api_tokens (
    id            BIGSERIAL PRIMARY KEY,
    user_id       BIGINT       NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name          VARCHAR(100) NOT NULL,
    -- SHA-256 of the token; the token itself is shown once and never stored
    token_hash    VARCHAR(64)  NOT NULL UNIQUE,
    created_at    TIMESTAMPTZ  NOT NULL DEFAULT now(),
    last_used_at  TIMESTAMPTZ,
    expires_at    TIMESTAMPTZ
);
CREATE INDEX api_tokens_user_idx ON api_tokens (user_id);

CREATE TABLE datasets (
    id           BIGSERIAL PRIMARY KEY,
    team_id      BIGINT       NOT NULL REFERENCES teams (id),
    name         VARCHAR(200) NOT NULL,
    description  TEXT         NOT NULL DEFAULT '',
    created_by   BIGINT       REFERENCES users (id),
    created_at   TIMESTAMPTZ  NOT NULL DEFAULT now(),
    UNIQUE (team_id, name)
);

CREATE TABLE dataset_versions (
    id                 BIGSERIAL PRIMARY KEY,
    dataset_id         BIGINT      NOT NULL REFERENCES datasets (id) ON DELETE CASCADE,
    version            INTEGER     NOT NULL CHECK (version > 0),
    format             VARCHAR(30) NOT NULL
                       CHECK (format IN ('alpaca', 'sharegpt', 'openai', 'classification', 'text', 'preference')),
    status             VARCHAR(20) NOT NULL CHECK (status IN ('validating', 'valid', 'invalid')),
    row_count          INTEGER     NOT NULL DEFAULT 0 CHECK (row_count >= 0),
    validation_report  JSONB,
    created_by         BIGINT      REFERENCES users (id),
    created_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (dataset_id, version)
);

CREATE TABLE dataset_files (
    id                  BIGSERIAL PRIMARY KEY,
    dataset_version_id  BIGINT        NOT NULL REFERENCES dataset_versions (id) ON DELETE CASCADE,
    purpose             VARCHAR(20)   NOT NULL CHECK (purpose IN ('source', 'train', 'validation')),
    original_name       VARCHAR(500)  NOT NULL,
    storage_path        VARCHAR(2000) NOT NULL,
    size_bytes          BIGINT        NOT NULL CHECK (size_bytes >= 0),
    sha256              VARCHAR(64)   NOT NULL,
    created_at          TIMESTAMPTZ   NOT NULL DEFAULT now()
);
CREATE INDEX dataset_files_version_idx ON dataset_files (dataset_version_id);

CREATE TABLE base_models (
    id               BIGSERIAL PRIMARY KEY,
    -- NULL team: shared with every team (registered by an admin)
    team_id          BIGINT        REFERENCES teams (id),
    name             VARCHAR(200)  NOT NULL UNIQUE,
    path             VARCHAR(2000) NOT NULL,
    architecture     VARCHAR(100)  NOT NULL,
    parameter_count  BIGINT        NOT NULL CHECK (parameter_count >= 0),
    dtype            VARCHAR(20)   NOT NULL,
    chat_template    TEXT,
    created_at       TIMESTAMPTZ   NOT NULL DEFAULT now()
);

CREATE TABLE workers (
    id                 BIGSERIAL PRIMARY KEY,
    name               VARCHAR(200) NOT NULL UNIQUE,
    host               VARCHAR(255) NOT NULL,
    status             VARCHAR(20)  NOT NULL CHECK (status IN ('online', 'draining', 'paused', 'offline')),
    started_at         TIMESTAMPTZ  NOT NULL DEFAULT now(),
    last_heartbeat_at  TIMESTAMPTZ  NOT NULL DEFAULT now()
);

CREATE TABLE worker_devices (
    id            BIGSERIAL PRIMARY KEY,
    worker_id     BIGINT       NOT NULL REFERENCES workers (id) ON DELETE CASCADE,
    -- -1 for the CPU, else the CUDA ordinal
    device_index  INTEGER      NOT NULL,
    kind          VARCHAR(10)  NOT NULL CHECK (kind IN ('cpu', 'cuda')),
    name          VARCHAR(200) NOT NULL,
    memory_bytes  BIGINT       NOT NULL CHECK (memory_bytes >= 0),
    UNIQUE (worker_id, device_index)
);

CREATE TABLE fine_tuning_jobs (
    id                  BIGSERIAL PRIMARY KEY,
    team_id             BIGINT       NOT NULL REFERENCES teams (id),
    user_id             BIGINT       NOT NULL REFERENCES users (id),
    base_model_id       BIGINT       NOT NULL REFERENCES base_models (id),
    dataset_version_id  BIGINT       NOT NULL REFERENCES dataset_versions (id),
    name                VARCHAR(200) NOT NULL,
    method              VARCHAR(10)  NOT NULL CHECK (method IN ('lora', 'full', 'freeze')),
    -- the full training configuration (LLaMA-Factory-compatible keys)
    config              JSONB        NOT NULL,
    status              VARCHAR(20)  NOT NULL
                        CHECK (status IN ('validating_files', 'queued', 'running', 'paused',
                                          'succeeded', 'failed', 'cancelled')),
    priority            INTEGER      NOT NULL DEFAULT 0,
    -- jobs queued together by a hyperparameter sweep share a group
    sweep_group         VARCHAR(64),
    devices_requested   INTEGER      NOT NULL DEFAULT 1 CHECK (devices_requested > 0),
    attempt             INTEGER      NOT NULL DEFAULT 0 CHECK (attempt >= 0),
    max_attempts        INTEGER      NOT NULL DEFAULT 3 CHECK (max_attempts > 0),
    worker_id           BIGINT       REFERENCES workers (id),
    -- bumped by every claim; heartbeats and completions must present it (0 rows updated = lease lost)
    lease_version       BIGINT       NOT NULL DEFAULT 0,
    lease_expires_at    TIMESTAMPTZ,
    current_step        INTEGER      NOT NULL DEFAULT 0,
    total_steps         INTEGER      NOT NULL DEFAULT 0,
    trained_tokens      BIGINT       NOT NULL DEFAULT 0,
    error_code          VARCHAR(50),
    error_message       TEXT,
    created_at          TIMESTAMPTZ  NOT NULL DEFAULT now(),
    queued_at           TIMESTAMPTZ,
    started_at          TIMESTAMPTZ,
    finished_at         TIMESTAMPTZ,
    updated_at          TIMESTAMPTZ  NOT NULL DEFAULT now()
);
CREATE INDEX jobs_queue_idx ON fine_tuning_jobs (priority DESC, queued_at, id) WHERE status = 'queued';
CREATE INDEX jobs_team_status_idx ON fine_tuning_jobs (team_id, status);
CREATE INDEX jobs_worker_idx ON fine_tuning_jobs (worker_id) WHERE worker_id IS NOT NULL;

CREATE TABLE job_events (
    id          BIGSERIAL PRIMARY KEY,
    job_id      BIGINT       NOT NULL REFERENCES fine_tuning_jobs (id) ON DELETE CASCADE,
    created_at  TIMESTAMPTZ  NOT NULL DEFAULT now(),
    level       VARCHAR(10)  NOT NULL CHECK (level IN ('info', 'warn', 'error')),
    type        VARCHAR(50)  NOT NULL,
    message     TEXT         NOT NULL,
    data        JSONB
);
CREATE INDEX job_events_job_idx ON job_events (job_id, id);

CREATE TABLE training_metrics (
    job_id       BIGINT           NOT NULL REFERENCES fine_tuning_jobs (id) ON DELETE CASCADE,
    step         INTEGER          NOT NULL CHECK (step >= 0),
    name         VARCHAR(64)      NOT NULL,
    value        DOUBLE PRECISION NOT NULL,
    recorded_at  TIMESTAMPTZ      NOT NULL DEFAULT now(),
    PRIMARY KEY (job_id, name, step)
);

CREATE TABLE checkpoints (
    id            BIGSERIAL PRIMARY KEY,
    job_id        BIGINT        NOT NULL REFERENCES fine_tuning_jobs (id) ON DELETE CASCADE,
    step          INTEGER       NOT NULL CHECK (step >= 0),
    storage_path  VARCHAR(2000) NOT NULL,
    metrics       JSONB,
    created_at    TIMESTAMPTZ   NOT NULL DEFAULT now(),
    UNIQUE (job_id, step)
);

CREATE TABLE artifacts (
    id            BIGSERIAL PRIMARY KEY,
    job_id        BIGINT        NOT NULL REFERENCES fine_tuning_jobs (id) ON DELETE CASCADE,
    kind          VARCHAR(20)   NOT NULL CHECK (kind IN ('adapter', 'merged', 'gguf', 'predictions', 'log')),
    storage_path  VARCHAR(2000) NOT NULL,
    size_bytes    BIGINT        NOT NULL CHECK (size_bytes >= 0),
    sha256        VARCHAR(64),
    created_at    TIMESTAMPTZ   NOT NULL DEFAULT now(),
    UNIQUE (job_id, kind)
);
