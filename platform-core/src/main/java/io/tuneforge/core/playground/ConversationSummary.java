package io.tuneforge.core.playground;

import java.time.Instant;

/**
 * A saved conversation in a list.
 *
 * @param id        its id
 * @param title     its title
 * @param updatedAt when it was last saved
 */
public record ConversationSummary(long id, String title, Instant updatedAt) {

    static ConversationSummary of(SavedConversation c) {
        return new ConversationSummary(c.getId(), c.getTitle(), c.getUpdatedAt());
    }
}
