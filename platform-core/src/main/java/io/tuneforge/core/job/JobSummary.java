package io.tuneforge.core.job;

import java.time.Instant;
import java.util.Optional;

/**
 * A job as the API and the UI show it (read inside a transaction; no lazy entity crosses the boundary).
 *
 * @param id                  job id
 * @param teamId              owning team
 * @param userId              submitting user
 * @param name                display name
 * @param baseModelId         base model id
 * @param baseModelName       base model name
 * @param datasetVersionId    training data version id
 * @param method              LoRA, full or freeze
 * @param configJson          training configuration (JSON)
 * @param status              lifecycle status
 * @param requestedAction     a pending cancel or pause of a running job
 * @param priority            higher runs first
 * @param devicesRequested    devices held while running
 * @param attempt             starts so far (1 on the first run)
 * @param maxAttempts         attempt limit
 * @param workerId            the worker running (or that last ran) the job
 * @param queuePosition       1-based place among queued jobs by priority then age (fair share may reorder teams)
 * @param currentStep         last step reported
 * @param totalSteps          planned steps (0 until known)
 * @param trainedTokens       tokens trained so far
 * @param requiredMemoryBytes pre-flight memory estimate per device
 * @param errorCode           failure code when failed
 * @param errorMessage        failure message with advice when failed
 * @param createdAt           submission time
 * @param startedAt           first start
 * @param finishedAt          end (succeeded, failed, cancelled)
 */
public record JobSummary(long id, long teamId, long userId, String name, long baseModelId, String baseModelName,
        long datasetVersionId, FineTuningMethod method, String configJson, JobStatus status,
        Optional<RequestedAction> requestedAction, int priority, int devicesRequested, int attempt, int maxAttempts,
        Optional<Long> workerId, Optional<Integer> queuePosition, int currentStep, int totalSteps, long trainedTokens,
        long requiredMemoryBytes, Optional<String> errorCode, Optional<String> errorMessage, Instant createdAt,
        Optional<Instant> startedAt, Optional<Instant> finishedAt) {

    static JobSummary of(FineTuningJob j, Optional<Integer> queuePosition) {
        return new JobSummary(j.getId(), j.getTeam().getId(), j.getOwner().getId(), j.getName(),
                j.getBaseModel().getId(), j.getBaseModel().getName(), j.getDatasetVersion().getId(), j.getMethod(),
                j.getConfig(), j.getStatus(), j.getRequestedAction(), j.getPriority(), j.getDevicesRequested(),
                j.getAttempt(), j.getMaxAttempts(), j.getWorker().map(w -> w.getId()), queuePosition,
                j.getCurrentStep(), j.getTotalSteps(), j.getTrainedTokens(), j.getRequiredMemoryBytes(),
                j.getErrorCode(), j.getErrorMessage(), j.getCreatedAt(), j.getStartedAt(), j.getFinishedAt());
    }
}
