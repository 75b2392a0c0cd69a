package io.tuneforge.web.testing;

import io.tuneforge.core.dataset.DatasetService;
import io.tuneforge.core.dataset.VersionDetails;
import io.tuneforge.core.job.FineTuningMethod;
import io.tuneforge.core.job.JobLaunchService;
import io.tuneforge.core.job.JobRequest;
import io.tuneforge.core.model.BaseModelService;
import io.tuneforge.core.model.BaseModelSummary;
import io.tuneforge.core.user.Actor;
import java.util.List;
import java.util.Map;

/** Queues real jobs for view tests. */
public final class Jobs {

    private Jobs() {
    }

    /** Registers stories260K and uploads identity.json for the actor, then queues a LoRA job on them. */
    public static long queueLora(String name, Actor actor, BaseModelService models, DatasetService datasets,
            JobLaunchService launcher) {
        BaseModelSummary model = Workspace.stories(models, actor);
        VersionDetails data = Workspace.identity(datasets, actor);
        return launcher.launch(actor, new JobRequest(name, model.id(), List.of(new JobRequest.DatasetShare(data.id(), 1.0)),
                FineTuningMethod.LORA, Map.of("learning_rate", 1e-4, "max_steps", 10), 0));
    }
}
