package io.tuneforge.core.dataset;

import io.tuneforge.shared.dataset.DatasetFormat;
import java.time.Instant;

/**
 * A dataset and its newest version, as lists show it.
 *
 * @param id            dataset id
 * @param name          dataset name (unique within its team)
 * @param team          owning team's name
 * @param latestVersion newest version's number
 * @param versionId     newest version's id
 * @param format        newest version's format
 * @param status        newest version's validation status
 * @param rows          records in the newest version
 * @param createdAt     when the newest version was uploaded
 */
public record DatasetSummary(long id, String name, String team, int latestVersion, long versionId,
        DatasetFormat format, DatasetVersion.Status status, int rows, Instant createdAt) {
}
