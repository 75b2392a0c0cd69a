package io.tuneforge.core.job;

import jakarta.persistence.Column;
import jakarta.persistence.Embeddable;
import jakarta.persistence.EmbeddedId;
import jakarta.persistence.Entity;
import jakarta.persistence.Table;
import java.io.Serializable;
import java.time.Instant;

/** One value of one named metric ({@code loss}, {@code eval_loss}, {@code lr}, ...) at one step of a job. */
@Entity
@Table(name = "training_metrics")
public class TrainingMetric {

    /** A metric is identified by job, name and step: writing the same point twice is a conflict, not a duplicate. */
    @Embeddable
    public record Key(@Column(name = "job_id") Long jobId, @Column(name = "name") String name,
            @Column(name = "step") Integer step) implements Serializable {
    }

    @EmbeddedId
    private Key key;

    @Column(nullable = false)
    private double value;

    @Column(name = "recorded_at", nullable = false)
    private Instant recordedAt = Instant.now();

    protected TrainingMetric() {
    }

    public TrainingMetric(Long jobId, String name, int step, double value) {
        this.key = new Key(jobId, name, step);
        this.value = value;
    }

    public Long getJobId() {
        return key.jobId();
    }

    public String getName() {
        return key.name();
    }

    public int getStep() {
        return key.step();
    }

    public double getValue() {
        return value;
    }

    public Instant getRecordedAt() {
        return recordedAt;
    }
}
