package io.tuneforge.core.playground;

import io.tuneforge.core.user.Actor;
import java.util.List;
import java.util.OptionalLong;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Playground conversations saved by their user to reopen later. They are personal: each user sees, reopens, replaces
 * and deletes only their own (viewers too: it changes nothing of the team's). The document is the playground's JSON;
 * this service checks only that it is a JSON object of bounded size.
 */
@Service
public class ConversationService {

    /** Longest title kept. */
    public static final int MAX_TITLE_LENGTH = 200;

    /** Largest document accepted, in characters (a long chat on both sides is a few hundred KB). */
    public static final int MAX_DOCUMENT_LENGTH = 2 * 1024 * 1024;

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final SavedConversationRepository conversations;

    ConversationService(SavedConversationRepository conversations) {
        this.conversations = conversations;
    }

    /** The actor's saved conversations, last saved first. */
    @Transactional(readOnly = true)
    public List<ConversationSummary> list(Actor actor) {
        return conversations.findByUserIdOrderByUpdatedAtDescIdDesc(actor.userId()).stream()
                .map(ConversationSummary::of).toList();
    }

    /**
     * Saves a new conversation, or replaces the actor's conversation {@code id}.
     *
     * @return the saved conversation
     * @throws IllegalArgumentException naming what is wrong with the title or the document
     * @throws ConversationNotFoundException when {@code id} is not one of the actor's
     */
    @Transactional
    public ConversationSummary save(Actor actor, OptionalLong id, String title, String document) {
        String cleanTitle = title(title);
        requireJsonObject(document);
        SavedConversation saved;
        if (id.isPresent()) {
            saved = own(actor, id.getAsLong());
            saved.replace(cleanTitle, document);
        } else {
            saved = conversations.save(new SavedConversation(actor.userId(), actor.teamId(), cleanTitle, document));
        }
        conversations.flush();
        return ConversationSummary.of(saved);
    }

    /** The document of one of the actor's conversations. */
    @Transactional(readOnly = true)
    public String document(Actor actor, long id) {
        return own(actor, id).getDocument();
    }

    /** Deletes one of the actor's conversations. */
    @Transactional
    public void delete(Actor actor, long id) {
        conversations.delete(own(actor, id));
    }

    private SavedConversation own(Actor actor, long id) {
        return conversations.findById(id).filter(c -> c.getUserId() == actor.userId())
                .orElseThrow(() -> new ConversationNotFoundException(id));
    }

    private static String title(String title) {
        String clean = title == null ? "" : title.strip();
        if (clean.isEmpty()) {
            throw new IllegalArgumentException("A saved conversation needs a title");
        }
        return clean.length() <= MAX_TITLE_LENGTH ? clean : clean.substring(0, MAX_TITLE_LENGTH - 1) + "…";
    }

    private static void requireJsonObject(String document) {
        if (document == null || document.length() > MAX_DOCUMENT_LENGTH) {
            throw new IllegalArgumentException("The conversation is too long to save (more than "
                    + MAX_DOCUMENT_LENGTH / (1024 * 1024) + " MB): clear it and start a new one");
        }
        JsonNode parsed;
        try {
            parsed = JSON.readTree(document);
        } catch (JacksonException e) {
            throw new IllegalArgumentException("The conversation is not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (parsed == null || !parsed.isObject()) {
            throw new IllegalArgumentException("The conversation must be a JSON object");
        }
    }
}
