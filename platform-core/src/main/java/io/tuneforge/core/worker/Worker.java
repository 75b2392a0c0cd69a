package io.tuneforge.core.worker;

import io.tuneforge.core.platform.LowercaseEnumConverter;
import jakarta.persistence.Column;
import jakarta.persistence.Converter;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;

/** A trainer process that claims jobs from the queue; it owns one or more {@link WorkerDevice}s. */
@Entity
@Table(name = "workers")
public class Worker {

    /** Whether the worker takes new jobs. */
    public enum Status {
        ONLINE,
        DRAINING,
        PAUSED,
        OFFLINE;

        @Converter(autoApply = true)
        static class Column extends LowercaseEnumConverter<Status> {
            Column() {
                super(Status.class);
            }
        }
    }

    /**
     * What an administrator chose: take jobs, finish the running ones and take no more, or take nothing. Stored apart
     * from {@link Status} so that restarts, registration and heartbeats keep it; the queue's claim reads it.
     */
    public enum Availability {
        ACTIVE,
        DRAINING,
        PAUSED;

        @Converter(autoApply = true)
        static class Column extends LowercaseEnumConverter<Availability> {
            Column() {
                super(Availability.class);
            }
        }

        /** The status shown for a live worker with this availability. */
        public Status liveStatus() {
            return switch (this) {
                case ACTIVE -> Status.ONLINE;
                case DRAINING -> Status.DRAINING;
                case PAUSED -> Status.PAUSED;
            };
        }
    }

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    private Long id;

    @Column(nullable = false, unique = true, length = 200)
    private String name;

    @Column(nullable = false)
    private String host;

    @Column(nullable = false, length = 20)
    private Status status = Status.ONLINE;

    @Column(nullable = false, length = 10)
    private Availability availability = Availability.ACTIVE;

    @Column(name = "started_at", nullable = false)
    private Instant startedAt = Instant.now();

    @Column(name = "last_heartbeat_at", nullable = false)
    private Instant lastHeartbeatAt = Instant.now();

    protected Worker() {
    }

    public Worker(String name, String host) {
        this.name = name;
        this.host = host;
    }

    public Long getId() {
        return id;
    }

    public String getName() {
        return name;
    }

    public String getHost() {
        return host;
    }

    public Status getStatus() {
        return status;
    }

    public Availability getAvailability() {
        return availability;
    }

    public Instant getStartedAt() {
        return startedAt;
    }

    public Instant getLastHeartbeatAt() {
        return lastHeartbeatAt;
    }

    public void heartbeat(Instant now) {
        this.lastHeartbeatAt = now;
    }
}
