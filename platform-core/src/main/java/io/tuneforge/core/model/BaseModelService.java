package io.tuneforge.core.model;

import io.tuneforge.core.platform.AllowedRoots;
import io.tuneforge.core.platform.PlatformHome;
import io.tuneforge.core.team.TeamRepository;
import io.tuneforge.core.user.AccessRefusedException;
import io.tuneforge.core.user.Actor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * Registers base models from server folders inside {@code tuneforge.models.allowed-roots} and lists the ones a team
 * may use. A model registered by an administrator as shared is visible to every team.
 */
@Service
@Transactional
public class BaseModelService {

    private final BaseModelRepository models;
    private final TeamRepository teams;
    private final AllowedRoots roots;
    private final PlatformHome home;

    public BaseModelService(BaseModelRepository models, TeamRepository teams, PlatformHome home,
            @Value("${tuneforge.models.allowed-roots:}") String allowedRoots) {
        this.models = models;
        this.teams = teams;
        this.home = home;
        this.roots = AllowedRoots.parse("tuneforge.models.allowed-roots", allowedRoots);
    }

    /** The configured folders models may be registered from. */
    public List<Path> allowedRoots() {
        return roots.roots();
    }

    /**
     * Reads the folder (config.json, safetensors headers, chat template) and registers it.
     *
     * @param shared visible to every team (administrators only); else owned by the actor's team
     */
    public BaseModelSummary register(Actor actor, String name, String folder, boolean shared) {
        actor.requireWriter();
        if (shared) {
            actor.requireAdmin();
        }
        String trimmed = requireFreeName(name);
        Path path;
        try {
            path = roots.resolve(folder);
        } catch (IllegalArgumentException e) {
            throw new ModelException(e.getMessage());
        }
        return save(actor, trimmed, path, shared);
    }

    /**
     * Registers a folder this platform downloaded under its home's {@code models} folder (a Hub import) as a model
     * of the actor's team, reading it like {@link #register}.
     */
    public BaseModelSummary registerImported(Actor actor, String name, Path folder) {
        actor.requireWriter();
        String trimmed = requireFreeName(name);
        Path path = folder.toAbsolutePath().normalize();
        if (!path.startsWith(home.models()) || !Files.isDirectory(path)) {
            throw new ModelException(path + " is not a downloaded model folder under " + home.models());
        }
        return save(actor, trimmed, path, false);
    }

    /**
     * The stripped name, if it is free.
     *
     * @throws ModelException when it is blank, too long or taken
     */
    @Transactional(readOnly = true)
    public String requireFreeName(String name) {
        String trimmed = name == null ? "" : name.strip();
        if (trimmed.isEmpty() || trimmed.length() > 200) {
            throw new ModelException("Give the model a name of 1 to 200 characters");
        }
        if (models.findByName(trimmed).isPresent()) {
            throw new ModelException("A model named \"" + trimmed + "\" exists already: pick another name");
        }
        return trimmed;
    }

    private BaseModelSummary save(Actor actor, String name, Path path, boolean shared) {
        ModelFolderInfo info = ModelFolderInfo.read(path);
        BaseModel model = models.save(new BaseModel(shared ? null : teams.getReferenceById(actor.teamId()), name,
                path.toString(), info.architecture(), info.parameterCount(), info.dtype(), info.chatTemplate().orElse(null)));
        return BaseModelSummary.of(model);
    }

    /** The models the actor may use: shared ones and their team's (all for administrators). */
    @Transactional(readOnly = true)
    public List<BaseModelSummary> list(Actor actor) {
        List<BaseModel> visible = actor.isAdmin() ? models.findAll() : models.findVisibleToTeam(actor.teamId());
        return visible.stream().map(BaseModelSummary::of)
                .sorted((a, b) -> a.name().compareToIgnoreCase(b.name())).toList();
    }

    @Transactional(readOnly = true)
    public BaseModelSummary get(Actor actor, long id) {
        BaseModel model = models.findById(id).orElseThrow(() -> new ModelException("No base model with id " + id));
        if (model.getTeam().isPresent() && !actor.canSee(model.getTeam().get().getId())) {
            throw new AccessRefusedException("Model " + id + " belongs to another team");
        }
        return BaseModelSummary.of(model);
    }
}
