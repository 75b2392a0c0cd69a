package io.tuneforge.core.evaluation;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;

/** A blind rating round over the held-out predictions of one succeeded job; belongs to the job's team. */
@Entity
@Table(name = "rating_sessions")
public class RatingSession {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    private Long id;

    @Column(name = "team_id", nullable = false)
    private Long teamId;

    @Column(name = "job_id", nullable = false)
    private Long jobId;

    @Column(name = "created_by", nullable = false)
    private Long createdBy;

    @Column(nullable = false, length = 200)
    private String name;

    @Column(nullable = false, length = 10)
    private SessionStatus status = SessionStatus.OPEN;

    @Column(name = "created_at", nullable = false, updatable = false)
    private Instant createdAt = Instant.now();

    protected RatingSession() {
    }

    RatingSession(long teamId, long jobId, long createdBy, String name) {
        this.teamId = teamId;
        this.jobId = jobId;
        this.createdBy = createdBy;
        this.name = name;
    }

    public Long getId() {
        return id;
    }

    public Long getTeamId() {
        return teamId;
    }

    public Long getJobId() {
        return jobId;
    }

    public Long getCreatedBy() {
        return createdBy;
    }

    public String getName() {
        return name;
    }

    public SessionStatus getStatus() {
        return status;
    }

    public Instant getCreatedAt() {
        return createdAt;
    }

    void close() {
        status = SessionStatus.CLOSED;
    }
}
