package io.tuneforge.core.worker;

import java.util.List;
import org.springframework.data.jpa.repository.JpaRepository;

public interface WorkerDeviceRepository extends JpaRepository<WorkerDevice, Long> {

    List<WorkerDevice> findByWorkerIdOrderByDeviceIndexAsc(Long workerId);
}
