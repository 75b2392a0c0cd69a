package io.tuneforge.core.job;

import java.nio.file.Path;
import java.util.Optional;

/**
 * Checks at submission that a job's chat template resolves for its base model, so a job cannot fail late for want of
 * a template. Implemented by the trainer module (which owns chat templates); {@link JobSubmissionService} asks it
 * before queueing, for the form and the REST API alike.
 */
public interface ChatTemplateCheck {

    /**
     * @param modelDir the base model's folder
     * @param template the recipe's template name, empty for {@code auto}
     * @return the resolved template's name and why it was chosen
     * @throws JobRefusedException with a message a user can act on when the template cannot be resolved or rendered
     */
    String check(Path modelDir, Optional<String> template);
}
