package io.tuneforge.web.api;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.security.SecurityRequirement;
import io.swagger.v3.oas.annotations.tags.Tag;
import io.tuneforge.core.job.FineTuningMethod;
import io.tuneforge.core.job.JobMonitorService;
import io.tuneforge.core.job.JobOverview;
import io.tuneforge.core.job.JobRefusedException;
import io.tuneforge.core.job.JobService;
import io.tuneforge.core.job.JobSubmission;
import io.tuneforge.core.job.JobSubmissionService;
import io.tuneforge.core.user.Actor;
import io.tuneforge.shared.recipe.JobRecipe;
import io.tuneforge.shared.recipe.RecipeSource;
import io.tuneforge.web.api.ApiDtos.CheckpointDto;
import io.tuneforge.web.api.ApiDtos.CreateJobRequest;
import io.tuneforge.web.api.ApiDtos.Event;
import io.tuneforge.web.api.ApiDtos.Job;
import io.tuneforge.web.api.ApiDtos.ListResponse;
import io.tuneforge.web.api.ApiDtos.Metric;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.springframework.data.domain.Page;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code /api/v1/fine_tuning/jobs}: submit, list, inspect and control fine-tuning jobs. A thin mapping of the API's
 * shapes onto the services the UI uses too: {@link JobSubmissionService} creates jobs, {@link JobService} changes
 * them, {@link JobMonitorService} reads them.
 */
@RestController
@RequestMapping("/api/v1/fine_tuning/jobs")
@Tag(name = "Fine-tuning jobs")
@SecurityRequirement(name = "bearer")
class FineTuningJobsController {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    /** Longest {@code suffix}: it becomes the job's name, which holds 200 characters. */
    private static final int MAX_SUFFIX_LENGTH = 200;

    private final JobSubmissionService submissions;
    private final JobService lifecycle;
    private final JobMonitorService monitor;
    private final ApiCaller caller;

    FineTuningJobsController(JobSubmissionService submissions, JobService lifecycle, JobMonitorService monitor,
            ApiCaller caller) {
        this.submissions = submissions;
        this.lifecycle = lifecycle;
        this.monitor = monitor;
        this.caller = caller;
    }

    @PostMapping
    @ResponseStatus(HttpStatus.CREATED)
    @Operation(summary = "Create a job; it joins the queue at once (refused when its data is not valid, it fits no "
            + "device, or a member asks for a priority above 0)")
    Job create(@RequestBody CreateJobRequest request) {
        Actor actor = caller.get();
        if (request.model() == null || request.trainingFile() == null) {
            throw new JobRefusedException("'model' (a base model name) and 'training_file' (a file id) are required");
        }
        if (request.suffix() != null && request.suffix().strip().length() > MAX_SUFFIX_LENGTH) {
            throw new JobRefusedException("suffix is " + request.suffix().strip().length() + " characters long: "
                    + "at most " + MAX_SUFFIX_LENGTH + " characters (it becomes the job's name)");
        }
        String name = request.suffix() == null || request.suffix().isBlank() ? request.model() + " fine-tune"
                : request.suffix();
        // OpenAI's names (n_epochs, batch_size, learning_rate_multiplier) become recipe keys; bad values are 422s
        JobRecipe recipe = JobRecipe.read(configuration(request.hyperparameters()), RecipeSource.REST);
        FineTuningMethod method = request.method() == null || request.method().isBlank()
                ? FineTuningMethod.of(recipe.method().finetuningType()) : method(request.method());
        JobSubmission submission = new JobSubmission(name, submissions.baseModelNamed(actor, request.model()),
                List.of(new JobSubmission.DatasetShare(request.trainingFile(), 1.0)), method,
                recipe.given(), Optional.ofNullable(request.priority()).orElse(0),
                Optional.ofNullable(request.devices()).orElse(1), Optional.ofNullable(request.maxAttempts()));
        if (request.adapterFromJob() != null) {
            submission = submission.continuingAdapterOf(request.adapterFromJob());
        }
        return Job.of(submissions.submit(actor, submission));
    }

    @GetMapping
    @Operation(summary = "List jobs, newest first (your team's; all teams' for administrators)")
    ListResponse<Job> list(@RequestParam(defaultValue = "20") int limit, @RequestParam(defaultValue = "0") int page) {
        Page<JobOverview> found = monitor.list(caller.get(), page, limit);
        return ListResponse.of(found.getContent().stream().map(Job::of).toList(), found.hasNext());
    }

    @GetMapping("/{id}")
    @Operation(summary = "A job with its status, progress, place in queue and error")
    Job get(@PathVariable long id) {
        return Job.of(monitor.get(caller.get(), id));
    }

    @PostMapping("/{id}/cancel")
    @Operation(summary = "Cancel: at once when waiting, at the worker's next step when running")
    Job cancel(@PathVariable long id) {
        return Job.of(lifecycle.cancel(caller.get(), id));
    }

    @PostMapping("/{id}/pause")
    @Operation(summary = "Pause: a running job saves a checkpoint and frees its device")
    Job pause(@PathVariable long id) {
        return Job.of(lifecycle.pause(caller.get(), id));
    }

    @PostMapping("/{id}/resume")
    @Operation(summary = "Resume a paused job from its last checkpoint")
    Job resume(@PathVariable long id) {
        return Job.of(lifecycle.resume(caller.get(), id));
    }

    @GetMapping("/{id}/events")
    @Operation(summary = "Events in order; pass 'after' (an event id) to poll for new ones")
    ListResponse<Event> events(@PathVariable long id, @RequestParam(defaultValue = "0") long after,
            @RequestParam(defaultValue = "100") int limit) {
        int bounded = Math.clamp(limit, 1, 1000);
        List<Event> events = monitor.events(caller.get(), id, after, bounded + 1).stream().map(Event::of).toList();
        return ListResponse.of(events.subList(0, Math.min(bounded, events.size())), events.size() > bounded);
    }

    @GetMapping("/{id}/checkpoints")
    @Operation(summary = "Saved checkpoints by step")
    ListResponse<CheckpointDto> checkpoints(@PathVariable long id) {
        return ListResponse.of(monitor.checkpoints(caller.get(), id).stream().map(c -> CheckpointDto.of(id, c))
                .toList(), false);
    }

    @GetMapping("/{id}/metrics")
    @Operation(summary = "Metric points by step (loss, eval_loss, learning_rate, ...); 'name' selects one metric")
    ListResponse<Metric> metrics(@PathVariable long id, @RequestParam Optional<String> name) {
        return ListResponse.of(monitor.metrics(caller.get(), id, name).stream().map(Metric::of).toList(), false);
    }

    /** The {@code hyperparameters} object as configuration keys (absent: none). */
    private static Map<String, Object> configuration(JsonNode hyperparameters) {
        if (hyperparameters == null || hyperparameters.isNull()) {
            return Map.of();
        }
        if (!hyperparameters.isObject()) {
            throw new JobRefusedException("hyperparameters must be a JSON object of LLaMA-Factory keys, e.g. "
                    + "{\"learning_rate\": 1e-4}");
        }
        return JSON.convertValue(hyperparameters, LinkedHashMap.class);
    }

    private static FineTuningMethod method(String method) {
        if (method == null || method.isBlank()) {
            return FineTuningMethod.LORA;
        }
        try {
            return FineTuningMethod.valueOf(method.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new JobRefusedException("'method' must be lora, full, freeze, prefix, adapter or oft; got '" + method + "'");
        }
    }
}
