package io.tuneforge.core.dataset;

import java.util.List;
import org.springframework.data.jpa.repository.JpaRepository;

public interface DatasetFileRepository extends JpaRepository<DatasetFile, Long> {

    List<DatasetFile> findByDatasetVersionId(Long datasetVersionId);
}
