package io.tuneforge.core.evaluation;

import io.tuneforge.core.artifact.ArtifactKind;
import io.tuneforge.core.job.Artifact;
import io.tuneforge.core.job.FineTuningJob;
import io.tuneforge.core.job.JobStatus;
import java.util.List;
import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Query;

public interface RatingSessionRepository extends JpaRepository<RatingSession, Long> {

    List<RatingSession> findAllByOrderByCreatedAtDescIdDesc();

    List<RatingSession> findByTeamIdOrderByCreatedAtDescIdDesc(Long teamId);

    /** Whether the team has a session with this name, compared without case (as the unique index compares). */
    boolean existsByTeamIdAndNameIgnoreCase(Long teamId, String name);

    /** Jobs in {@code status} that have an artifact of {@code kind}, newest first: what a session can be made from. */
    @Query("""
            select j from FineTuningJob j
            where j.status = :status
              and exists (select a.id from Artifact a where a.jobId = j.id and a.kind = :kind)
            order by j.id desc
            """)
    List<FineTuningJob> findJobsWithArtifact(JobStatus status, ArtifactKind kind);
}
