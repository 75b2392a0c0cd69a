-- Playground conversations a user saved to reopen later: the models, template and settings of both sides and
-- every finished turn, as one JSON document written and read by the web app's playground.
CREATE TABLE playground_conversations (
    id          BIGSERIAL PRIMARY KEY,
    user_id     BIGINT       NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    team_id     BIGINT       NOT NULL REFERENCES teams (id),
    title       VARCHAR(200) NOT NULL,
    document    JSONB        NOT NULL,
    created_at  TIMESTAMPTZ  NOT NULL DEFAULT now(),
    updated_at  TIMESTAMPTZ  NOT NULL DEFAULT now()
);
CREATE INDEX playground_conversations_user_idx ON playground_conversations (user_id, updated_at DESC);
