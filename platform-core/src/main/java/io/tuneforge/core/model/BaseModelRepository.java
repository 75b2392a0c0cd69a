package io.tuneforge.core.model;

import java.util.List;
import java.util.Optional;
import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Query;

public interface BaseModelRepository extends JpaRepository<BaseModel, Long> {

    Optional<BaseModel> findByName(String name);

    /** Models a team may use: its own and the shared ones. */
    @Query("select m from BaseModel m where m.team is null or m.team.id = :teamId order by m.name")
    List<BaseModel> findVisibleToTeam(Long teamId);
}
