package io.tuneforge.web.api;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.security.SecurityRequirement;
import io.swagger.v3.oas.annotations.tags.Tag;
import io.tuneforge.core.job.FineTuningMethod;
import io.tuneforge.core.job.JobRefusedException;
import io.tuneforge.core.job.JobService;
import io.tuneforge.core.job.JobSubmission;
import io.tuneforge.core.job.JobSummary;
import io.tuneforge.core.model.BaseModelRepository;
import io.tuneforge.core.user.Actor;
import io.tuneforge.web.api.ApiDtos.CheckpointDto;
import io.tuneforge.web.api.ApiDtos.CreateJobRequest;
import io.tuneforge.web.api.ApiDtos.Event;
import io.tuneforge.web.api.ApiDtos.Job;
import io.tuneforge.web.api.ApiDtos.ListResponse;
import io.tuneforge.web.api.ApiDtos.Metric;
import java.util.List;
import java.util.Locale;
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

/** {@code /api/v1/fine_tuning/jobs}: submit, list, inspect and control fine-tuning jobs. */
@RestController
@RequestMapping("/api/v1/fine_tuning/jobs")
@Tag(name = "Fine-tuning jobs")
@SecurityRequirement(name = "bearer")
class FineTuningJobsController {

    private final JobService jobs;
    private final BaseModelRepository models;
    private final ApiCaller caller;

    FineTuningJobsController(JobService jobs, BaseModelRepository models, ApiCaller caller) {
        this.jobs = jobs;
        this.models = models;
        this.caller = caller;
    }

    @PostMapping
    @ResponseStatus(HttpStatus.CREATED)
    @Operation(summary = "Create a job; it is queued once its training file is valid (refused when it fits no device)")
    Job create(@RequestBody CreateJobRequest request) {
        Actor actor = caller.get();
        if (request.model() == null || request.trainingFile() == null) {
            throw new JobRefusedException("'model' (a base model name) and 'training_file' (a file id) are required");
        }
        long modelId = models.findByName(request.model()).map(m -> m.getId())
                .orElseThrow(() -> new JobRefusedException("Unknown model '" + request.model()
                        + "': list the available ones with GET /api/v1/models"));
        JobSubmission submission = new JobSubmission(request.suffix(), modelId, request.trainingFile(),
                method(request.method()), request.hyperparameters() == null ? "{}"
                        : request.hyperparameters().toString(),
                Optional.ofNullable(request.priority()).orElse(0), Optional.ofNullable(request.devices()).orElse(1),
                Optional.ofNullable(request.maxAttempts()));
        return Job.of(jobs.submit(actor, submission));
    }

    @GetMapping
    @Operation(summary = "List jobs, newest first (your team's; all teams' for administrators)")
    ListResponse<Job> list(@RequestParam(defaultValue = "20") int limit, @RequestParam(defaultValue = "0") int page) {
        Page<JobSummary> found = jobs.list(caller.get(), page, limit);
        return ListResponse.of(found.getContent().stream().map(Job::of).toList(), found.hasNext());
    }

    @GetMapping("/{id}")
    @Operation(summary = "A job with its status, progress, place in queue and error")
    Job get(@PathVariable long id) {
        return Job.of(jobs.get(caller.get(), id));
    }

    @PostMapping("/{id}/cancel")
    @Operation(summary = "Cancel: at once when waiting, at the worker's next step when running")
    Job cancel(@PathVariable long id) {
        return Job.of(jobs.cancel(caller.get(), id));
    }

    @PostMapping("/{id}/pause")
    @Operation(summary = "Pause: a running job saves a checkpoint and frees its device")
    Job pause(@PathVariable long id) {
        return Job.of(jobs.pause(caller.get(), id));
    }

    @PostMapping("/{id}/resume")
    @Operation(summary = "Resume a paused job from its last checkpoint")
    Job resume(@PathVariable long id) {
        return Job.of(jobs.resume(caller.get(), id));
    }

    @GetMapping("/{id}/events")
    @Operation(summary = "Events in order; pass 'after' (an event id) to poll for new ones")
    ListResponse<Event> events(@PathVariable long id, @RequestParam(defaultValue = "0") long after,
            @RequestParam(defaultValue = "100") int limit) {
        int bounded = Math.clamp(limit, 1, 1000);
        List<Event> events = jobs.events(caller.get(), id, after, bounded + 1).stream().map(Event::of).toList();
        return ListResponse.of(events.subList(0, Math.min(bounded, events.size())), events.size() > bounded);
    }

    @GetMapping("/{id}/checkpoints")
    @Operation(summary = "Saved checkpoints by step")
    ListResponse<CheckpointDto> checkpoints(@PathVariable long id) {
        return ListResponse.of(jobs.checkpoints(caller.get(), id).stream().map(CheckpointDto::of).toList(), false);
    }

    @GetMapping("/{id}/metrics")
    @Operation(summary = "Metric points by step (loss, eval_loss, learning_rate, ...); 'name' selects one metric")
    ListResponse<Metric> metrics(@PathVariable long id, @RequestParam Optional<String> name) {
        return ListResponse.of(jobs.metrics(caller.get(), id, name).stream().map(Metric::of).toList(), false);
    }

    private static FineTuningMethod method(String method) {
        if (method == null || method.isBlank()) {
            return FineTuningMethod.LORA;
        }
        try {
            return FineTuningMethod.valueOf(method.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new JobRefusedException("'method' must be lora, full or freeze; got '" + method + "'");
        }
    }
}
