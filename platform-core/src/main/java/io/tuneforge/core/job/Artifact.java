package io.tuneforge.core.job;

import io.tuneforge.core.artifact.ArtifactKind;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.Optional;

/** A result file of a job in the artifact store: adapter, merged model, GGUF, predictions, log. */
@Entity
@Table(name = "artifacts")
public class Artifact {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    private Long id;

    @Column(name = "job_id", nullable = false)
    private Long jobId;

    @Column(nullable = false, length = 20)
    private ArtifactKind kind;

    @Column(name = "storage_path", nullable = false, length = 2000)
    private String storagePath;

    @Column(name = "size_bytes", nullable = false)
    private long sizeBytes;

    @Column(length = 64)
    private String sha256;

    @Column(name = "created_at", nullable = false, updatable = false)
    private Instant createdAt = Instant.now();

    protected Artifact() {
    }

    public Artifact(Long jobId, ArtifactKind kind, String storagePath, long sizeBytes, String sha256) {
        this.jobId = jobId;
        this.kind = kind;
        this.storagePath = storagePath;
        this.sizeBytes = sizeBytes;
        this.sha256 = sha256;
    }

    public Long getId() {
        return id;
    }

    public Long getJobId() {
        return jobId;
    }

    public ArtifactKind getKind() {
        return kind;
    }

    public String getStoragePath() {
        return storagePath;
    }

    public long getSizeBytes() {
        return sizeBytes;
    }

    public Optional<String> getSha256() {
        return Optional.ofNullable(sha256);
    }

    public Instant getCreatedAt() {
        return createdAt;
    }
}
