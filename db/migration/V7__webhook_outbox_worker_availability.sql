-- Webhook outbox with delivery log, encrypted secrets, and stored worker availability (issue 16 items 1 and 2).

-- What an administrator chose for a worker: take jobs (active), finish the running ones and take no more (draining),
-- take nothing (paused). Kept apart from the liveness status so that registration and heartbeats never reset it.
ALTER TABLE workers
    ADD COLUMN availability VARCHAR(10) NOT NULL DEFAULT 'active'
        CHECK (availability IN ('active', 'draining', 'paused'));
UPDATE workers SET availability = status WHERE status IN ('draining', 'paused');

-- Secrets are stored AES-GCM encrypted (base64 of nonce + ciphertext) with the platform home's key; the hint is what
-- list and get show ("whsec_…abcd"). Existing plain secrets are re-encrypted by the application at start.
ALTER TABLE webhooks ALTER COLUMN secret TYPE VARCHAR(255);
ALTER TABLE webhooks ADD COLUMN secret_encrypted BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE webhooks ADD COLUMN secret_hint VARCHAR(40);

-- Per-job event numbering: every status change gets the next number, so receivers can order and de-duplicate.
CREATE TABLE webhook_job_sequences (
    job_id    BIGINT PRIMARY KEY REFERENCES fine_tuning_jobs (id) ON DELETE CASCADE,
    last_seq  BIGINT NOT NULL
);

-- The outbox: one row per event per hook, written in the transaction of the status change. Delivered in order per
-- (hook, job): a row is sent only when no earlier row of the same pair is still pending.
CREATE TABLE webhook_deliveries (
    id               BIGSERIAL PRIMARY KEY,
    webhook_id       BIGINT       NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    job_id           BIGINT       NOT NULL,
    event_id         UUID         NOT NULL,
    sequence         BIGINT       NOT NULL,
    event_type       VARCHAR(60)  NOT NULL,
    body             TEXT         NOT NULL,
    status           VARCHAR(10)  NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts         INTEGER      NOT NULL DEFAULT 0,
    last_error       TEXT,
    last_http_status INTEGER,
    created_at       TIMESTAMPTZ  NOT NULL DEFAULT now(),
    next_attempt_at  TIMESTAMPTZ  NOT NULL DEFAULT now(),
    delivered_at     TIMESTAMPTZ,
    UNIQUE (webhook_id, event_id)
);
CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_order_idx ON webhook_deliveries (webhook_id, job_id, sequence);
