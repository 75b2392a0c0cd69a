package io.tuneforge.trainer.data.preview;

import io.tuneforge.core.job.ChatTemplateCheck;
import io.tuneforge.core.job.JobRefusedException;
import io.tuneforge.trainer.template.ChatMessage;
import io.tuneforge.trainer.template.ChatTemplates;
import io.tuneforge.trainer.template.ResolvedTemplate;
import io.tuneforge.trainer.template.TemplateException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springframework.stereotype.Component;

/**
 * The submission-time template check: the job's template resolves by {@link ChatTemplates#resolve} (the rule the
 * worker follows) and renders a one-turn conversation. A model folder this host cannot see is left to the worker.
 */
@Component
class TemplateSubmissionCheck implements ChatTemplateCheck {

    private static final List<ChatMessage> PROBE = List.of(ChatMessage.of("user", "Hello"),
            ChatMessage.of("assistant", "Hi"));

    @Override
    public String check(Path modelDir, Optional<String> template) {
        if (!Files.isDirectory(modelDir)) {
            return template.orElse(ChatTemplates.AUTO);
        }
        try {
            ResolvedTemplate resolved = ChatTemplates.resolve(modelDir, template);
            resolved.template().render(PROBE, List.of(), false, Map.of());
            return resolved.name() + " (" + resolved.reason() + ")";
        } catch (TemplateException e) {
            throw new JobRefusedException("Chat template: " + e.getMessage());
        }
    }
}
