package io.tuneforge.core.job;

import io.tuneforge.shared.recipe.JobRecipe;
import io.tuneforge.shared.recipe.RecipeSource;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A job as every reader shows it: the lists, the job page, the queue, the compare page and the REST API. Read by
 * {@link JobMonitorService} inside a transaction (no lazy entity crosses the boundary).
 *
 * @param id                  job id
 * @param name                run name
 * @param teamId              owning team
 * @param team                team name
 * @param userId              submitting user
 * @param owner               owner's username
 * @param status              lifecycle status
 * @param requestedAction     a pending cancel or pause of a running job
 * @param method              LoRA, full or freeze
 * @param baseModelId         base model id
 * @param baseModel           base model name
 * @param datasetVersionId    primary training data version id
 * @param dataset             primary dataset as "name vN"
 * @param configJson          the stored {@code train} configuration (JSON)
 * @param priority            queue priority (higher runs first)
 * @param devicesRequested    devices held while running
 * @param attempt             starts so far (1 on the first run)
 * @param maxAttempts         attempt limit
 * @param sweepGroup          the sweep this job belongs to, if any
 * @param placeInQueue        1-based place among queued jobs by priority then age while queued (fair share may
 *                            reorder teams)
 * @param workerId            the worker running (or that last ran) the job
 * @param worker              that worker's name
 * @param currentStep         optimizer steps done
 * @param totalSteps          optimizer steps planned (0 until known)
 * @param trainedTokens       tokens trained so far
 * @param phase               the phase the worker is in (training, evaluating, merging, predicting, exporting
 *                            GGUF), its progress and end estimate; empty before the worker's first report
 * @param requiredMemoryBytes pre-flight memory estimate per device (0 without one)
 * @param errorCode           failure code, if failed
 * @param errorMessage        failure message with advice, if failed
 * @param createdAt           submission time
 * @param startedAt           first start
 * @param finishedAt          end (succeeded, failed, cancelled)
 */
public record JobOverview(long id, String name, long teamId, String team, long userId, String owner,
        JobStatus status, Optional<RequestedAction> requestedAction, FineTuningMethod method, long baseModelId,
        String baseModel, long datasetVersionId, String dataset, String configJson, int priority,
        int devicesRequested, int attempt, int maxAttempts, Optional<String> sweepGroup, OptionalInt placeInQueue,
        Optional<Long> workerId, Optional<String> worker, int currentStep, int totalSteps, long trainedTokens,
        Optional<PhaseProgress> phase, long requiredMemoryBytes, Optional<String> errorCode, Optional<String> errorMessage, Instant createdAt,
        Optional<Instant> startedAt, Optional<Instant> finishedAt) {

    static JobOverview of(FineTuningJob j, OptionalInt placeInQueue) {
        return new JobOverview(j.getId(), j.getName(), j.getTeam().getId(), j.getTeam().getName(),
                j.getOwner().getId(), j.getOwner().getUsername(), j.getStatus(), j.getRequestedAction(),
                j.getMethod(), j.getBaseModel().getId(), j.getBaseModel().getName(), j.getDatasetVersion().getId(),
                j.getDatasetVersion().getDataset().getName() + " v" + j.getDatasetVersion().getVersion(),
                j.getConfig(), j.getPriority(), j.getDevicesRequested(), j.getAttempt(), j.getMaxAttempts(),
                j.getSweepGroup(), placeInQueue, j.getWorker().map(w -> w.getId()),
                j.getWorker().map(w -> w.getName()), j.getCurrentStep(), j.getTotalSteps(), j.getTrainedTokens(),
                j.getPhase(), j.getRequiredMemoryBytes(), j.getErrorCode(), j.getErrorMessage(), j.getCreatedAt(),
                j.getStartedAt(), j.getFinishedAt());
    }

    /** Another team's queued job, for the shared queue: its place, team and size show, not its name, owner or data. */
    JobOverview anonymised() {
        return new JobOverview(id, "(another team's job)", teamId, team, 0, "", status, Optional.empty(), method, 0, "",
                0, "", "{}", priority, devicesRequested, 0, maxAttempts, Optional.empty(), placeInQueue,
                Optional.empty(), Optional.empty(), 0, totalSteps, 0, Optional.empty(), requiredMemoryBytes, Optional.empty(),
                Optional.empty(), createdAt, Optional.empty(), Optional.empty());
    }

    /**
     * The method as the stored recipe describes it ({@code LoRA r=8 (DoRA)}, {@code freeze: last 2 layers}); the bare
     * method name where the stored configuration no longer reads as a recipe (a key since refused).
     */
    public String methodLabel() {
        try {
            Map<String, Object> stored = METHOD_JSON.readValue(configJson, Map.class);
            return JobRecipe.read(stored, RecipeSource.STORED).method().describe();
        } catch (RuntimeException e) {
            return method.name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private static final tools.jackson.databind.json.JsonMapper METHOD_JSON =
            tools.jackson.databind.json.JsonMapper.builder().build();

    /** This job with another failure message (e.g. with server paths hidden). */
    JobOverview withErrorMessage(Optional<String> message) {
        return new JobOverview(id, name, teamId, team, userId, owner, status, requestedAction, method, baseModelId,
                baseModel, datasetVersionId, dataset, configJson, priority, devicesRequested, attempt, maxAttempts,
                sweepGroup, placeInQueue, workerId, worker, currentStep, totalSteps, trainedTokens, phase,
                requiredMemoryBytes, errorCode, message, createdAt, startedAt, finishedAt);
    }

    /** Progress from 0 to 1 (0 until the total is known). */
    public double progress() {
        return totalSteps <= 0 ? 0 : Math.min(1.0, (double) currentStep / totalSteps);
    }
}
