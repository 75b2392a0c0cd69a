package io.tuneforge.core.user;

import java.util.Optional;
import org.springframework.data.jpa.repository.EntityGraph;
import org.springframework.data.jpa.repository.JpaRepository;

public interface AppUserRepository extends JpaRepository<AppUser, Long> {

    /** The user with their team loaded (login needs both). */
    @EntityGraph(attributePaths = "team")
    Optional<AppUser> findByUsername(String username);

    boolean existsByRole(Role role);
}
