package io.tuneforge.core.dataset;

import java.util.Collection;
import java.util.List;
import org.springframework.data.jpa.repository.JpaRepository;

public interface DatasetFileRepository extends JpaRepository<DatasetFile, Long> {

    List<DatasetFile> findByDatasetVersionId(Long datasetVersionId);

    /** The files of several versions in upload order. */
    List<DatasetFile> findByDatasetVersionIdInOrderByIdAsc(Collection<Long> datasetVersionIds);

    /** The files of a dataset's versions with this checksum (an upload that is already stored). */
    List<DatasetFile> findByDatasetVersionDatasetIdAndSha256(Long datasetId, String sha256);
}
