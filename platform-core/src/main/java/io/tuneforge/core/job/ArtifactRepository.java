package io.tuneforge.core.job;

import java.util.List;
import java.util.Optional;
import org.springframework.data.jpa.repository.JpaRepository;

public interface ArtifactRepository extends JpaRepository<Artifact, Long> {

    List<Artifact> findByJobId(Long jobId);

    Optional<Artifact> findByJobIdAndKind(Long jobId, Artifact.Kind kind);
}
