package io.tuneforge.core.job;

import java.util.List;
import java.util.Optional;
import org.springframework.data.jpa.repository.JpaRepository;

public interface CheckpointRepository extends JpaRepository<Checkpoint, Long> {

    List<Checkpoint> findByJobIdOrderByStepAsc(Long jobId);

    Optional<Checkpoint> findFirstByJobIdOrderByStepDesc(Long jobId);

    List<Checkpoint> findByJobIdOrderByStepDesc(Long jobId);
}
