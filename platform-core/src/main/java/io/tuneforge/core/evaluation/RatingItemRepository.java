package io.tuneforge.core.evaluation;

import java.util.List;
import java.util.Optional;
import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Query;

public interface RatingItemRepository extends JpaRepository<RatingItem, Long> {

    List<RatingItem> findBySessionIdOrderByPositionAsc(Long sessionId);

    long countBySessionId(Long sessionId);

    /** The first item of the session, by position, that the rater has not rated yet. */
    @Query("""
            select i from RatingItem i
            where i.sessionId = :sessionId
              and not exists (select r.id from Rating r where r.itemId = i.id and r.raterId = :raterId)
            order by i.position asc
            limit 1
            """)
    Optional<RatingItem> findFirstUnrated(Long sessionId, Long raterId);
}
