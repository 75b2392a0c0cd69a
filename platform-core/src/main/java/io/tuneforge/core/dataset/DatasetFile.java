package io.tuneforge.core.dataset;

import io.tuneforge.core.platform.LowercaseEnumConverter;
import jakarta.persistence.Column;
import jakarta.persistence.Converter;
import jakarta.persistence.Entity;
import jakarta.persistence.FetchType;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.JoinColumn;
import jakarta.persistence.ManyToOne;
import jakarta.persistence.Table;
import java.time.Instant;

/** A stored file of a dataset version: the uploaded source, or a prepared train/validation split. */
@Entity
@Table(name = "dataset_files")
public class DatasetFile {

    /** What the file is for. */
    public enum Purpose {
        SOURCE,
        TRAIN,
        VALIDATION;

        @Converter(autoApply = true)
        static class Column extends LowercaseEnumConverter<Purpose> {
            Column() {
                super(Purpose.class);
            }
        }
    }

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    private Long id;

    @ManyToOne(fetch = FetchType.LAZY, optional = false)
    @JoinColumn(name = "dataset_version_id", nullable = false)
    private DatasetVersion datasetVersion;

    @Column(nullable = false, length = 20)
    private Purpose purpose;

    @Column(name = "original_name", nullable = false, length = 500)
    private String originalName;

    /** Path relative to the platform's storage root. */
    @Column(name = "storage_path", nullable = false, length = 2000)
    private String storagePath;

    @Column(name = "size_bytes", nullable = false)
    private long sizeBytes;

    @Column(nullable = false, length = 64)
    private String sha256;

    @Column(name = "created_at", nullable = false, updatable = false)
    private Instant createdAt = Instant.now();

    protected DatasetFile() {
    }

    public DatasetFile(DatasetVersion datasetVersion, Purpose purpose, String originalName, String storagePath,
            long sizeBytes, String sha256) {
        this.datasetVersion = datasetVersion;
        this.purpose = purpose;
        this.originalName = originalName;
        this.storagePath = storagePath;
        this.sizeBytes = sizeBytes;
        this.sha256 = sha256;
    }

    public Long getId() {
        return id;
    }

    public DatasetVersion getDatasetVersion() {
        return datasetVersion;
    }

    public Purpose getPurpose() {
        return purpose;
    }

    public String getOriginalName() {
        return originalName;
    }

    public String getStoragePath() {
        return storagePath;
    }

    public long getSizeBytes() {
        return sizeBytes;
    }

    public String getSha256() {
        return sha256;
    }

    public Instant getCreatedAt() {
        return createdAt;
    }
}
