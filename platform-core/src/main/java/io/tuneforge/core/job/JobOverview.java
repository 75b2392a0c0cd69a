package io.tuneforge.core.job;

import java.time.Instant;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A job as lists and the job page show it.
 *
 * @param id            job id
 * @param name          run name
 * @param owner         owner's username
 * @param team          team name
 * @param status        lifecycle status
 * @param method        LoRA, full or freeze
 * @param baseModel     base model name
 * @param dataset       primary dataset as "name vN"
 * @param currentStep   optimizer steps done
 * @param totalSteps    optimizer steps planned (0 until known)
 * @param trainedTokens tokens trained so far
 * @param priority      queue priority
 * @param sweepGroup    the sweep this job belongs to, if any
 * @param placeInQueue  1-based position among queued jobs while queued
 * @param worker        the worker running it, if any
 * @param errorCode     failure code, if failed
 * @param errorMessage  failure message, if failed
 * @param configJson    the stored {@code train} configuration (JSON)
 * @param createdAt     creation time
 * @param startedAt     when training started
 * @param finishedAt    when it ended
 */
public record JobOverview(long id, String name, String owner, String team, JobStatus status, FineTuningMethod method,
        String baseModel, String dataset, int currentStep, int totalSteps, long trainedTokens, int priority,
        Optional<String> sweepGroup, OptionalInt placeInQueue, Optional<String> worker, Optional<String> errorCode,
        Optional<String> errorMessage, String configJson, Instant createdAt, Optional<Instant> startedAt,
        Optional<Instant> finishedAt) {

    /** Progress from 0 to 1 (0 until the total is known). */
    public double progress() {
        return totalSteps <= 0 ? 0 : Math.min(1.0, (double) currentStep / totalSteps);
    }
}
