package io.tuneforge.core.job;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.Optional;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

/** A saved training state a job can resume from. */
@Entity
@Table(name = "checkpoints")
public class Checkpoint {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    private Long id;

    @Column(name = "job_id", nullable = false)
    private Long jobId;

    @Column(nullable = false)
    private int step;

    /** Location in the artifact store. */
    @Column(name = "storage_path", nullable = false, length = 2000)
    private String storagePath;

    /** Metrics at this step as JSON ({@code train_loss}, {@code valid_loss}, ...). */
    @JdbcTypeCode(SqlTypes.JSON)
    private String metrics;

    @Column(name = "created_at", nullable = false, updatable = false)
    private Instant createdAt = Instant.now();

    protected Checkpoint() {
    }

    public Checkpoint(Long jobId, int step, String storagePath, String metricsJson) {
        this.jobId = jobId;
        this.step = step;
        this.storagePath = storagePath;
        this.metrics = metricsJson;
    }

    public Long getId() {
        return id;
    }

    public Long getJobId() {
        return jobId;
    }

    public int getStep() {
        return step;
    }

    public String getStoragePath() {
        return storagePath;
    }

    public Optional<String> getMetrics() {
        return Optional.ofNullable(metrics);
    }

    public Instant getCreatedAt() {
        return createdAt;
    }
}
