package io.tuneforge.core.playground;

import java.util.List;
import org.springframework.data.jpa.repository.JpaRepository;

interface SavedConversationRepository extends JpaRepository<SavedConversation, Long> {

    List<SavedConversation> findByUserIdOrderByUpdatedAtDescIdDesc(long userId);
}
