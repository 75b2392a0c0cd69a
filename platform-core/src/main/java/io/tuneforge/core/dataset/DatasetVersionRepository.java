package io.tuneforge.core.dataset;

import java.util.List;
import java.util.Optional;
import org.springframework.data.jpa.repository.JpaRepository;

public interface DatasetVersionRepository extends JpaRepository<DatasetVersion, Long> {

    List<DatasetVersion> findByDatasetIdOrderByVersionDesc(Long datasetId);

    Optional<DatasetVersion> findFirstByDatasetIdOrderByVersionDesc(Long datasetId);
}
