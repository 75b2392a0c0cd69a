package io.tuneforge.core.job;

import io.tuneforge.core.platform.LowercaseEnumConverter;
import jakarta.persistence.Column;
import jakarta.persistence.Converter;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.Optional;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

/** Something that happened to a job: a status change, a checkpoint, an evaluation, a lost worker. */
@Entity
@Table(name = "job_events")
public class JobEvent {

    /** How much a user should care. */
    public enum Level {
        INFO,
        WARN,
        ERROR;

        @Converter(autoApply = true)
        static class Column extends LowercaseEnumConverter<Level> {
            Column() {
                super(Level.class);
            }
        }
    }

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    private Long id;

    @Column(name = "job_id", nullable = false)
    private Long jobId;

    @Column(name = "created_at", nullable = false, updatable = false)
    private Instant createdAt = Instant.now();

    @Column(nullable = false, length = 10)
    private Level level;

    /** Machine-readable kind, e.g. {@code JOB_START}, {@code CHECKPOINT_SAVE}, {@code EVAL_COMPLETE}. */
    @Column(nullable = false, length = 50)
    private String type;

    @Column(nullable = false)
    private String message;

    /** Structured details as JSON, if any. */
    @JdbcTypeCode(SqlTypes.JSON)
    private String data;

    protected JobEvent() {
    }

    public JobEvent(Long jobId, Level level, String type, String message, String dataJson) {
        this.jobId = jobId;
        this.level = level;
        this.type = type;
        this.message = message;
        this.data = dataJson;
    }

    public Long getId() {
        return id;
    }

    public Long getJobId() {
        return jobId;
    }

    public Instant getCreatedAt() {
        return createdAt;
    }

    public Level getLevel() {
        return level;
    }

    public String getType() {
        return type;
    }

    public String getMessage() {
        return message;
    }

    public Optional<String> getData() {
        return Optional.ofNullable(data);
    }
}
