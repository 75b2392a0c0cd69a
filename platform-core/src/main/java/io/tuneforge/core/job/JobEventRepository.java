package io.tuneforge.core.job;

import java.util.List;
import org.springframework.data.domain.Limit;
import org.springframework.data.jpa.repository.JpaRepository;

public interface JobEventRepository extends JpaRepository<JobEvent, Long> {

    List<JobEvent> findByJobIdOrderByIdAsc(Long jobId);

    List<JobEvent> findByJobIdAndIdGreaterThanOrderByIdAsc(Long jobId, Long afterId, Limit limit);
}
