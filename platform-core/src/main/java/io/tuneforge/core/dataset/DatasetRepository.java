package io.tuneforge.core.dataset;

import java.util.List;
import java.util.Optional;
import org.springframework.data.jpa.repository.JpaRepository;

public interface DatasetRepository extends JpaRepository<Dataset, Long> {

    List<Dataset> findByTeamIdOrderByNameAsc(Long teamId);

    Optional<Dataset> findByTeamIdAndName(Long teamId, String name);
}
