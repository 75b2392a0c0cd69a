package io.tuneforge.core.team;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;

/** A group of users sharing datasets, models and jobs, and a GPU quota. */
@Entity
@Table(name = "teams")
public class Team {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    private Long id;

    @Column(nullable = false, unique = true, length = 100)
    private String name;

    /** How many devices this team's running jobs may hold at once. */
    @Column(name = "max_concurrent_devices", nullable = false)
    private int maxConcurrentDevices = 1;

    /** Devices held by this team's running jobs now; kept by a database trigger, read-only here. */
    @Column(name = "running_devices", nullable = false, insertable = false, updatable = false)
    private int runningDevices;

    @Column(name = "created_at", nullable = false, updatable = false)
    private Instant createdAt = Instant.now();

    protected Team() {
    }

    public Team(String name, int maxConcurrentDevices) {
        this.name = name;
        this.maxConcurrentDevices = maxConcurrentDevices;
    }

    public Long getId() {
        return id;
    }

    public String getName() {
        return name;
    }

    public void setName(String name) {
        this.name = name;
    }

    public int getMaxConcurrentDevices() {
        return maxConcurrentDevices;
    }

    public void setMaxConcurrentDevices(int maxConcurrentDevices) {
        this.maxConcurrentDevices = maxConcurrentDevices;
    }

    public int getRunningDevices() {
        return runningDevices;
    }

    public Instant getCreatedAt() {
        return createdAt;
    }
}
