-- Whether a worker's device computes bfloat16 natively: a bf16 job is refused at submit when no registered device
-- does, and only a worker whose free devices all do claims one. Workers register their devices again at start-up,
-- so existing rows take the cautious default until then.
ALTER TABLE worker_devices
    ADD COLUMN bf16 BOOLEAN NOT NULL DEFAULT FALSE;
