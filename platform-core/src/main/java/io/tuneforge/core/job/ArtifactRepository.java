package io.tuneforge.core.job;

import io.tuneforge.core.artifact.ArtifactKind;
import java.util.List;
import java.util.Optional;
import org.springframework.data.jpa.repository.JpaRepository;

public interface ArtifactRepository extends JpaRepository<Artifact, Long> {

    List<Artifact> findByJobId(Long jobId);

    Optional<Artifact> findByJobIdAndKind(Long jobId, ArtifactKind kind);
}
