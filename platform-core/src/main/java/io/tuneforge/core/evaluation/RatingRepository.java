package io.tuneforge.core.evaluation;

import java.util.List;
import java.util.Optional;
import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Query;

public interface RatingRepository extends JpaRepository<Rating, Long> {

    Optional<Rating> findByItemIdAndRaterId(Long itemId, Long raterId);

    /** Every rating of a session's items. */
    @Query("select r from Rating r where r.itemId in (select i.id from RatingItem i where i.sessionId = :sessionId)")
    List<Rating> findAllOfSession(Long sessionId);

    /** How many ratings the session has, by all raters. */
    @Query("select count(r) from Rating r where r.itemId in (select i.id from RatingItem i where i.sessionId = :sessionId)")
    long countAllOfSession(Long sessionId);

    /** How many items of the session the rater has rated. */
    @Query("""
            select count(r) from Rating r
            where r.raterId = :raterId and r.itemId in (select i.id from RatingItem i where i.sessionId = :sessionId)
            """)
    long countRatedBy(Long sessionId, Long raterId);
}
