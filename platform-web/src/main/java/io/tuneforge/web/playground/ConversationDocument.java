package io.tuneforge.web.playground;

import io.tuneforge.trainer.playground.ChatTurn;
import java.util.List;
import tools.jackson.databind.json.JsonMapper;

/**
 * A playground conversation as it is saved (the JSON document of {@code ConversationService}): what both sides were
 * set to and every finished turn of each.
 *
 * @param version           the document's format, {@value #VERSION}
 * @param baseModelId       the base model's id, or null when none was picked
 * @param tunedJobId        the tuned model's job id, or null for base only
 * @param template          the chat template name
 * @param system            the system prompt
 * @param temperature       sampling temperature (0 = greedy)
 * @param topP              nucleus sampling mass
 * @param topK              top-k (0 = off)
 * @param repetitionPenalty repetition penalty (1 = off)
 * @param maxNewTokens      answer length limit
 * @param seed              sampling seed, or null for random
 * @param baseTurns         the base model's finished turns
 * @param tunedTurns        the tuned model's finished turns
 */
record ConversationDocument(int version, Long baseModelId, Long tunedJobId, String template, String system,
        double temperature, double topP, int topK, double repetitionPenalty, int maxNewTokens, Long seed,
        List<ChatTurn> baseTurns, List<ChatTurn> tunedTurns) {

    static final int VERSION = 1;

    private static final JsonMapper JSON = JsonMapper.builder().build();

    ConversationDocument {
        baseTurns = baseTurns == null ? List.of() : List.copyOf(baseTurns);
        tunedTurns = tunedTurns == null ? List.of() : List.copyOf(tunedTurns);
    }

    String toJson() {
        return JSON.writeValueAsString(this);
    }

    static ConversationDocument fromJson(String json) {
        return JSON.readValue(json, ConversationDocument.class);
    }

    /** The first thing the user asked, shortened to a title; empty when nothing was asked yet. */
    String title() {
        List<ChatTurn> turns = baseTurns.isEmpty() ? tunedTurns : baseTurns;
        if (turns.isEmpty()) {
            return "";
        }
        String first = turns.getFirst().user().strip().replaceAll("\\s+", " ");
        return first.length() <= 60 ? first : first.substring(0, 59) + "…";
    }
}
