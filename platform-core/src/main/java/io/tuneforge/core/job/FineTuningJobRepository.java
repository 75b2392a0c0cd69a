package io.tuneforge.core.job;

import jakarta.persistence.LockModeType;
import java.util.List;
import java.util.Optional;
import org.springframework.data.domain.Page;
import org.springframework.data.domain.Pageable;
import org.springframework.data.jpa.repository.EntityGraph;
import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Lock;
import org.springframework.data.jpa.repository.Query;
import org.springframework.data.repository.query.Param;

public interface FineTuningJobRepository extends JpaRepository<FineTuningJob, Long> {

    @EntityGraph(attributePaths = {"team", "owner", "baseModel", "datasetVersion.dataset", "worker"})
    Page<FineTuningJob> findByTeamIdOrderByIdDesc(Long teamId, Pageable page);

    @EntityGraph(attributePaths = {"team", "owner", "baseModel", "datasetVersion.dataset", "worker"})
    List<FineTuningJob> findByTeamIdOrderByIdDesc(Long teamId);

    @EntityGraph(attributePaths = {"team", "owner", "baseModel", "datasetVersion.dataset", "worker"})
    Page<FineTuningJob> findAllByOrderByIdDesc(Pageable page);

    @EntityGraph(attributePaths = {"team", "owner", "baseModel", "datasetVersion.dataset", "worker"})
    List<FineTuningJob> findAllByOrderByIdDesc();

    @EntityGraph(attributePaths = {"team", "owner", "baseModel", "datasetVersion.dataset", "worker"})
    List<FineTuningJob> findByStatusOrderByPriorityDescQueuedAtAscIdAsc(JobStatus status);

    long countByStatus(JobStatus status);

    List<FineTuningJob> findByStatusOrderByIdDesc(JobStatus status);

    List<FineTuningJob> findByTeamIdAndStatusOrderByIdDesc(Long teamId, JobStatus status);

    /** The job with its row locked until the transaction ends (status changes race with workers and the reaper). */
    @Lock(LockModeType.PESSIMISTIC_WRITE)
    @Query("select j from FineTuningJob j where j.id = :id")
    Optional<FineTuningJob> findForUpdateById(@Param("id") long id);
}
