-- Blind A/B evaluation: people rate the base and the tuned model's answers on a job's held-out prompts without
-- knowing which model wrote which answer.

-- One rating round over the predictions of one succeeded job.
CREATE TABLE rating_sessions (
    id          BIGSERIAL PRIMARY KEY,
    team_id     BIGINT       NOT NULL REFERENCES teams (id),
    job_id      BIGINT       NOT NULL REFERENCES fine_tuning_jobs (id) ON DELETE CASCADE,
    created_by  BIGINT       NOT NULL REFERENCES users (id),
    name        VARCHAR(200) NOT NULL,
    -- closed: no more ratings are taken; results and export stay available
    status      VARCHAR(10)  NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    created_at  TIMESTAMPTZ  NOT NULL DEFAULT now()
);
CREATE INDEX rating_sessions_team_idx ON rating_sessions (team_id, created_at DESC);
CREATE INDEX rating_sessions_job_idx ON rating_sessions (job_id);

-- One held-out prompt of a session with the two answers in the order the rater sees them.
CREATE TABLE rating_items (
    id          BIGSERIAL PRIMARY KEY,
    session_id  BIGINT      NOT NULL REFERENCES rating_sessions (id) ON DELETE CASCADE,
    -- 0-based row of predictions.jsonl; the order items are offered in
    position    INTEGER     NOT NULL CHECK (position >= 0),
    prompt      TEXT        NOT NULL,
    -- the reference answer from the held-out set ('' when the set has none)
    label       TEXT        NOT NULL DEFAULT '',
    answer_a    TEXT        NOT NULL,
    answer_b    TEXT        NOT NULL,
    -- which answer the tuned model wrote (the other is the base model's), drawn at random per item when the session
    -- is created; never shown to raters, used only for results and the export
    tuned_side  VARCHAR(1)  NOT NULL CHECK (tuned_side IN ('a', 'b')),
    UNIQUE (session_id, position)
);

-- One rater's judgement of one item; rating again replaces it.
CREATE TABLE ratings (
    id                   BIGSERIAL PRIMARY KEY,
    item_id              BIGINT      NOT NULL REFERENCES rating_items (id) ON DELETE CASCADE,
    rater_id             BIGINT      NOT NULL REFERENCES users (id),
    a_relevance          SMALLINT    NOT NULL CHECK (a_relevance BETWEEN 1 AND 5),
    a_accuracy           SMALLINT    NOT NULL CHECK (a_accuracy BETWEEN 1 AND 5),
    a_completeness       SMALLINT    NOT NULL CHECK (a_completeness BETWEEN 1 AND 5),
    a_professionalism    SMALLINT    NOT NULL CHECK (a_professionalism BETWEEN 1 AND 5),
    a_safety             SMALLINT    NOT NULL CHECK (a_safety BETWEEN 1 AND 5),
    b_relevance          SMALLINT    NOT NULL CHECK (b_relevance BETWEEN 1 AND 5),
    b_accuracy           SMALLINT    NOT NULL CHECK (b_accuracy BETWEEN 1 AND 5),
    b_completeness       SMALLINT    NOT NULL CHECK (b_completeness BETWEEN 1 AND 5),
    b_professionalism    SMALLINT    NOT NULL CHECK (b_professionalism BETWEEN 1 AND 5),
    b_safety             SMALLINT    NOT NULL CHECK (b_safety BETWEEN 1 AND 5),
    preference           VARCHAR(3)  NOT NULL CHECK (preference IN ('a', 'b', 'tie')),
    comment              TEXT        CHECK (char_length(comment) <= 2000),
    created_at           TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at           TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (item_id, rater_id)
);
CREATE INDEX ratings_rater_idx ON ratings (rater_id);
