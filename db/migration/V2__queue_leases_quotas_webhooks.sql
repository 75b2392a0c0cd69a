-- Queue, leases, quotas and webhooks (issue 5).

-- A cancel or pause asked for while the job runs; the worker reads it from its heartbeat answer and acts on it.
ALTER TABLE fine_tuning_jobs
    ADD COLUMN requested_action VARCHAR(10) CHECK (requested_action IN ('cancel', 'pause'));

-- Pre-flight estimate of the memory one device needs for this job; a worker claims only jobs its devices can hold.
ALTER TABLE fine_tuning_jobs
    ADD COLUMN required_memory_bytes BIGINT NOT NULL DEFAULT 0 CHECK (required_memory_bytes >= 0);

-- Devices held right now by this team's running jobs. Maintained by the trigger below (never by hand), read and
-- locked by the claim statement so that quotas hold exactly under concurrent claims.
ALTER TABLE teams
    ADD COLUMN running_devices INTEGER NOT NULL DEFAULT 0 CHECK (running_devices >= 0);

CREATE FUNCTION tuneforge_count_running_devices() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.status = 'running' THEN
            UPDATE teams SET running_devices = running_devices + NEW.devices_requested WHERE id = NEW.team_id;
        END IF;
        RETURN NEW;
    ELSIF TG_OP = 'DELETE' THEN
        IF OLD.status = 'running' THEN
            UPDATE teams SET running_devices = running_devices - OLD.devices_requested WHERE id = OLD.team_id;
        END IF;
        RETURN OLD;
    END IF;
    IF OLD.status = 'running' AND NEW.status <> 'running' THEN
        UPDATE teams SET running_devices = running_devices - OLD.devices_requested WHERE id = OLD.team_id;
    ELSIF NEW.status = 'running' AND OLD.status <> 'running' THEN
        UPDATE teams SET running_devices = running_devices + NEW.devices_requested WHERE id = NEW.team_id;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER fine_tuning_jobs_running_devices
    AFTER INSERT OR UPDATE OF status OR DELETE ON fine_tuning_jobs
    FOR EACH ROW EXECUTE FUNCTION tuneforge_count_running_devices();

-- The reaper looks for running jobs whose lease ran out.
CREATE INDEX jobs_lease_idx ON fine_tuning_jobs (lease_expires_at) WHERE status = 'running';

-- HTTPS endpoints told about a team's job state changes; each delivery is signed with HMAC-SHA256 of the body.
CREATE TABLE webhooks (
    id          BIGSERIAL PRIMARY KEY,
    team_id     BIGINT        NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    url         VARCHAR(2000) NOT NULL,
    -- shared secret for X-TuneForge-Signature; shown to the team, needed to verify deliveries
    secret      VARCHAR(128)  NOT NULL,
    enabled     BOOLEAN       NOT NULL DEFAULT TRUE,
    created_at  TIMESTAMPTZ   NOT NULL DEFAULT now()
);
CREATE INDEX webhooks_team_idx ON webhooks (team_id) WHERE enabled;
