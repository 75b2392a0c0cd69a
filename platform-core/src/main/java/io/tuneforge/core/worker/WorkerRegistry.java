package io.tuneforge.core.worker;

import java.time.Duration;
import java.util.List;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/** Workers and their devices: registration, liveness heartbeats, sign-off, and what devices exist at all. */
@Service
public class WorkerRegistry {

    private final JdbcTemplate jdbc;
    private final WorkerRepository workers;
    private final WorkerDeviceRepository devices;

    WorkerRegistry(JdbcTemplate jdbc, WorkerRepository workers, WorkerDeviceRepository devices) {
        this.jdbc = jdbc;
        this.workers = workers;
        this.devices = devices;
    }

    /**
     * Registers a worker (or re-registers one restarting under the same name) with its devices. A re-registered
     * worker keeps the availability an administrator chose (paused or draining survive restarts).
     *
     * @return the worker's id
     */
    @Transactional
    public long register(String name, String host, List<OfferedDevice> offered) {
        if (offered.isEmpty()) {
            throw new IllegalArgumentException("Worker " + name + " offers no device: give --devices cpu or GPU ordinals");
        }
        Long id = jdbc.queryForObject("""
                insert into workers (name, host, status, started_at, last_heartbeat_at)
                values (?, ?, 'online', now(), now())
                on conflict (name) do update set host = excluded.host,
                    status = case workers.availability when 'active' then 'online' else workers.availability end,
                    started_at = now(), last_heartbeat_at = now()
                returning id
                """, Long.class, name, host);
        jdbc.update("delete from worker_devices where worker_id = ?", id);
        for (OfferedDevice d : offered) {
            jdbc.update("insert into worker_devices (worker_id, device_index, kind, name, memory_bytes, bf16) "
                    + "values (?, ?, ?, ?, ?, ?)", id, d.index(), d.kind().name().toLowerCase(java.util.Locale.ROOT),
                    d.name(), d.memoryBytes(), d.bf16());
        }
        return id;
    }

    /**
     * The worker is alive.
     *
     * @return the availability an administrator chose for it, so that the worker process knows its state
     */
    @Transactional
    public Worker.Availability heartbeat(long workerId) {
        List<String> availability = jdbc.query("""
                update workers set last_heartbeat_at = now(),
                    status = case availability when 'active' then 'online' else availability end
                where id = ?
                returning availability
                """, (rs, n) -> rs.getString(1), workerId);
        return availability.isEmpty() ? Worker.Availability.ACTIVE : parse(availability.getFirst());
    }

    /** The availability an administrator chose for a worker (active when there is no such worker). */
    @Transactional(readOnly = true)
    public Worker.Availability availability(long workerId) {
        List<String> availability = jdbc.query("select availability from workers where id = ?",
                (rs, n) -> rs.getString(1), workerId);
        return availability.isEmpty() ? Worker.Availability.ACTIVE : parse(availability.getFirst());
    }

    /**
     * Stores an administrator's choice: draining and paused workers claim nothing more (the queue's claim checks it),
     * and the choice survives restarts. A worker that is offline stays shown offline.
     *
     * @return false when there is no such worker
     */
    @Transactional
    public boolean setAvailability(long workerId, Worker.Availability availability) {
        String value = availability.name().toLowerCase(java.util.Locale.ROOT);
        return jdbc.update("update workers set availability = ?, status = case when status = 'offline' then 'offline' "
                + "when ? = 'active' then 'online' else ? end where id = ?", value, value, value, workerId) > 0;
    }

    private static Worker.Availability parse(String value) {
        return Worker.Availability.valueOf(value.toUpperCase(java.util.Locale.ROOT));
    }

    /** The worker stopped cleanly. */
    @Transactional
    public void signOff(long workerId) {
        jdbc.update("update workers set status = 'offline' where id = ?", workerId);
    }

    /** Marks workers silent for longer than {@code silence} offline; returns how many. */
    @Transactional
    public int markSilentWorkersOffline(Duration silence) {
        return jdbc.update("update workers set status = 'offline' where status <> 'offline' "
                + "and last_heartbeat_at < now() - make_interval(secs => ?)", silence.toMillis() / 1000.0);
    }

    /** All workers, by name (for the UI). */
    @Transactional(readOnly = true)
    public List<Worker> workers() {
        return workers.findAllByOrderByNameAsc();
    }

    /** Devices of one worker. */
    @Transactional(readOnly = true)
    public List<WorkerDevice> devicesOf(long workerId) {
        return devices.findByWorkerIdOrderByDeviceIndexAsc(workerId);
    }

    /** Devices of workers not marked offline: what a job could run on today. */
    @Transactional(readOnly = true)
    public List<OfferedDevice> availableDevices() {
        return jdbc.query("""
                select d.device_index, d.kind, d.name, d.memory_bytes, d.bf16
                from worker_devices d join workers w on w.id = d.worker_id
                where w.status <> 'offline'
                order by d.memory_bytes desc
                """, (rs, n) -> new OfferedDevice(rs.getInt(1),
                WorkerDevice.Kind.valueOf(rs.getString(2).toUpperCase(java.util.Locale.ROOT)), rs.getString(3),
                rs.getLong(4), rs.getBoolean(5)));
    }
}
