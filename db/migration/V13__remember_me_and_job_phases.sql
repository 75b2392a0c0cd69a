-- Issue 17 (DD025): sign-ins that survive a restart, the phase a running job is in, and measured phase speeds.

-- The key that signs the "remember me" cookie of a sign-in (Spring Security's token-based remember-me): one row,
-- written once by the first web app that starts, so a restart (or a second web app on the same database) accepts the
-- cookies signed before. Not Spring Session JDBC: a Vaadin session is not serializable and must stay one object in
-- memory (see docs/design-decisions/DD025).
create table remember_me_key (
    id     smallint primary key check (id = 1),
    secret varchar(100) not null
);

-- The phase a running job is in (training, evaluating, merging, predicting, exporting_gguf), how far it is, and when
-- the worker expects it to end; written with every heartbeat.
alter table fine_tuning_jobs
    add column current_phase  varchar(20),
    add column phase_done     bigint not null default 0,
    add column phase_total    bigint not null default 0,
    add column phase_ends_at  timestamptz;

-- A worker's measured speed per phase and model size: the pre-flight estimate of the next job is calibrated by it.
create table worker_phase_speeds (
    id               bigserial primary key,
    worker_id        bigint not null references workers (id) on delete cascade,
    phase            varchar(20) not null,
    model_parameters bigint not null,
    units_per_second double precision not null check (units_per_second > 0),
    unit             varchar(20) not null,
    measured_at      timestamptz not null default now()
);
create index worker_phase_speeds_lookup on worker_phase_speeds (phase, model_parameters, measured_at desc);
