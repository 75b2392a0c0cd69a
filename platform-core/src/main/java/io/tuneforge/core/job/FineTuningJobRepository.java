package io.tuneforge.core.job;

import java.util.List;
import org.springframework.data.domain.Page;
import org.springframework.data.domain.Pageable;
import org.springframework.data.jpa.repository.JpaRepository;

public interface FineTuningJobRepository extends JpaRepository<FineTuningJob, Long> {

    Page<FineTuningJob> findByTeamIdOrderByIdDesc(Long teamId, Pageable page);

    List<FineTuningJob> findByStatusOrderByPriorityDescQueuedAtAscIdAsc(JobStatus status);

    long countByStatus(JobStatus status);

    List<FineTuningJob> findByStatusOrderByIdDesc(JobStatus status);

    List<FineTuningJob> findByTeamIdAndStatusOrderByIdDesc(Long teamId, JobStatus status);

    Page<FineTuningJob> findAllByOrderByIdDesc(Pageable page);

    List<FineTuningJob> findByDatasetVersionIdAndStatus(Long datasetVersionId, JobStatus status);
}
