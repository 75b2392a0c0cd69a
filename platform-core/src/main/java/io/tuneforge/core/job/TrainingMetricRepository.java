package io.tuneforge.core.job;

import java.util.List;
import org.springframework.data.jpa.repository.JpaRepository;

public interface TrainingMetricRepository extends JpaRepository<TrainingMetric, TrainingMetric.Key> {

    List<TrainingMetric> findByKeyJobIdOrderByKeyStepAsc(Long jobId);

    List<TrainingMetric> findByKeyJobIdAndKeyNameOrderByKeyStepAsc(Long jobId, String name);
}
