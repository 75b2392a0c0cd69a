package io.tuneforge.web.testing;

import io.tuneforge.core.artifact.ArtifactStore;
import io.tuneforge.core.dataset.DatasetService;
import io.tuneforge.core.dataset.VersionDetails;
import io.tuneforge.core.job.ArtifactRepository;
import io.tuneforge.core.job.FineTuningMethod;
import io.tuneforge.core.job.JobSubmission;
import io.tuneforge.core.job.JobSubmissionService;
import io.tuneforge.core.model.BaseModelService;
import io.tuneforge.core.model.BaseModelSummary;
import io.tuneforge.core.user.Actor;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * LoRA jobs on stories260K and LLaMA-Factory's identity.json for web tests: queued, or succeeded with a real (or a
 * broken) PEFT adapter stored as the worker would. Skips the calling test when ../shared/fixtures is absent.
 */
@Component
public class StoriesJobs {

    private final BaseModelService models;
    private final DatasetService datasets;
    private final JobSubmissionService submissions;
    private final ArtifactStore store;
    private final ArtifactRepository artifacts;
    private final JdbcTemplate jdbc;

    StoriesJobs(BaseModelService models, DatasetService datasets, JobSubmissionService submissions, ArtifactStore store,
            ArtifactRepository artifacts, JdbcTemplate jdbc) {
        this.models = models;
        this.datasets = datasets;
        this.submissions = submissions;
        this.store = store;
        this.artifacts = artifacts;
        this.jdbc = jdbc;
    }

    /** Registers stories260K and uploads identity.json for the actor, then queues a LoRA job on them. */
    public long queued(String name, Actor actor) {
        return queued(name, actor, Map.of("learning_rate", 1e-4, "max_steps", 10));
    }

    /** As {@link #queued(String, Actor)} with the given training configuration. */
    public long queued(String name, Actor actor, Map<String, Object> config) {
        BaseModelSummary model = Workspace.stories(models, actor);
        VersionDetails data = Workspace.identity(datasets, actor);
        return submissions.submit(actor, JobSubmission.of(name, model.id(), data.id(), FineTuningMethod.LORA, config))
                .id();
    }

    /** A job of the actor's team that succeeded with a real LoRA adapter ({@link TunedJobs#writeLoraAdapter}). */
    public long succeeded(String name, Actor actor) {
        return succeeded(queued(name, actor));
    }

    /** Marks a queued stories260K job succeeded with a real LoRA adapter; returns its id. */
    public long succeeded(long jobId) {
        Path stories = Workspace.fixture("models/stories260K");
        TunedJobs.succeedWith(jobId, dir -> TunedJobs.writeLoraAdapter(stories, dir), store, artifacts, jdbc);
        return jobId;
    }

    /** A job of the actor's team that succeeded with an adapter that cannot be loaded. */
    public long succeededWithBrokenAdapter(String name, Actor actor) {
        long jobId = queued(name, actor);
        TunedJobs.succeedWith(jobId, TunedJobs::writeBrokenAdapter, store, artifacts, jdbc);
        return jobId;
    }

    /** The name of the base model a job trains. */
    public String baseModelName(long jobId) {
        return jdbc.queryForObject("select m.name from fine_tuning_jobs j join base_models m "
                + "on m.id = j.base_model_id where j.id = ?", String.class, jobId);
    }
}
