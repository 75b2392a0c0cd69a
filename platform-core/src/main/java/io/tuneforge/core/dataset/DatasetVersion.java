package io.tuneforge.core.dataset;

import io.tuneforge.core.platform.LowercaseEnumConverter;
import io.tuneforge.core.user.AppUser;
import io.tuneforge.shared.dataset.ColumnMapping;
import io.tuneforge.shared.dataset.DatasetFormat;
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
import java.util.Optional;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

/** One immutable upload of a dataset, with its validation outcome. */
@Entity
@Table(name = "dataset_versions")
public class DatasetVersion {

    /** Where a version is in validation. */
    public enum Status {
        VALIDATING,
        VALID,
        INVALID;

        @Converter(autoApply = true)
        static class Column extends LowercaseEnumConverter<Status> {
            Column() {
                super(Status.class);
            }
        }
    }

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    private Long id;

    @ManyToOne(fetch = FetchType.LAZY, optional = false)
    @JoinColumn(name = "dataset_id", nullable = false)
    private Dataset dataset;

    @Column(nullable = false)
    private int version;

    @Column(nullable = false, length = 30)
    private DatasetFormat format;

    @Column(nullable = false, length = 20)
    private Status status = Status.VALIDATING;

    @Column(name = "row_count", nullable = false)
    private int rowCount;

    /** The validation report as JSON (problems with line, field and reason; counts per kind). */
    @JdbcTypeCode(SqlTypes.JSON)
    @Column(name = "validation_report")
    private String validationReport;

    /** The column mapping rows are read through, as {@link ColumnMapping#toJson()}; null for none. */
    @JdbcTypeCode(SqlTypes.JSON)
    @Column(name = "column_mapping")
    private String columnMapping;

    /** The blind A/B rating session whose preferences this version holds (DD030); null for uploads and imports. */
    @Column(name = "rating_session_id")
    private Long ratingSessionId;

    @ManyToOne(fetch = FetchType.LAZY)
    @JoinColumn(name = "created_by")
    private AppUser createdBy;

    @Column(name = "created_at", nullable = false, updatable = false)
    private Instant createdAt = Instant.now();

    protected DatasetVersion() {
    }

    public DatasetVersion(Dataset dataset, int version, DatasetFormat format, AppUser createdBy) {
        this.dataset = dataset;
        this.version = version;
        this.format = format;
        this.createdBy = createdBy;
    }

    /** A version whose rows are read through a column mapping. */
    public DatasetVersion(Dataset dataset, int version, DatasetFormat format, ColumnMapping mapping,
            AppUser createdBy) {
        this(dataset, version, format, createdBy);
        this.columnMapping = mapping.isEmpty() ? null : mapping.toJson();
    }

    /** The column mapping its rows are read through ({@link ColumnMapping#none()} for the formats' own names). */
    public ColumnMapping getColumnMapping() {
        return columnMapping == null ? ColumnMapping.none() : ColumnMapping.parse(columnMapping);
    }

    /** Records the validation outcome. */
    public void markValidated(boolean valid, int rowCount, String reportJson) {
        this.status = valid ? Status.VALID : Status.INVALID;
        this.rowCount = rowCount;
        this.validationReport = reportJson;
    }

    /** Corrects the auto-detected format (the version must then be validated again). */
    public void changeFormat(DatasetFormat format) {
        this.format = format;
        this.status = Status.VALIDATING;
    }

    /** Records the rating session this version was exported from. */
    void exportedFrom(long ratingSession) {
        this.ratingSessionId = ratingSession;
    }

    /** The rating session this version was exported from, if it was (DD030). */
    public Optional<Long> getRatingSessionId() {
        return Optional.ofNullable(ratingSessionId);
    }

    public Long getId() {
        return id;
    }

    public Dataset getDataset() {
        return dataset;
    }

    public int getVersion() {
        return version;
    }

    public DatasetFormat getFormat() {
        return format;
    }

    public Status getStatus() {
        return status;
    }

    public int getRowCount() {
        return rowCount;
    }

    public String getValidationSummary() {
        return validationReport;
    }

    public AppUser getCreatedBy() {
        return createdBy;
    }

    public Instant getCreatedAt() {
        return createdAt;
    }
}
