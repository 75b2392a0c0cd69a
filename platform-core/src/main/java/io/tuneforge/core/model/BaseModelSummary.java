package io.tuneforge.core.model;

import java.time.Instant;
import java.util.Optional;

/**
 * A registered base model as lists show it.
 *
 * @param id             model id
 * @param name           unique name
 * @param path           folder on the server
 * @param architecture   e.g. LlamaForCausalLM
 * @param parameterCount parameters
 * @param dtype          storage dtype of the weights
 * @param chatTemplate   the Jinja2 chat template, if the model has one
 * @param team           owning team's name, empty when shared with all teams
 * @param createdAt      registration time
 */
public record BaseModelSummary(long id, String name, String path, String architecture, long parameterCount,
        String dtype, Optional<String> chatTemplate, Optional<String> team, Instant createdAt) {

    static BaseModelSummary of(BaseModel model) {
        return new BaseModelSummary(model.getId(), model.getName(), model.getPath(), model.getArchitecture(),
                model.getParameterCount(), model.getDtype(), model.getChatTemplate(),
                model.getTeam().map(t -> t.getName()), model.getCreatedAt());
    }
}
