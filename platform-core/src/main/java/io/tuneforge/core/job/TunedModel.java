package io.tuneforge.core.job;

import io.tuneforge.core.artifact.ArtifactKind;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;

/**
 * A succeeded job's result that can be loaded for chat: its PEFT adapter (applied on the base model) or, failing
 * that, its merged model.
 *
 * @param jobId         the job
 * @param jobName       the job's run name
 * @param team          the job's team name
 * @param baseModelId   the base model the job tuned
 * @param baseModelName its name
 * @param baseModelPath its folder on the server
 * @param kind          {@link ArtifactKind#ADAPTER} or {@link ArtifactKind#MERGED}
 * @param path          the artifact's folder on the server
 * @param template      the built-in chat template the job trained with ({@code template}); empty: the model's own
 * @param finishedAt    when the job ended
 * @param bf16          whether the job trained in bf16 ({@code bf16: true}); the playground answers in it too
 */
public record TunedModel(long jobId, String jobName, String team, long baseModelId, String baseModelName,
        Path baseModelPath, ArtifactKind kind, Path path, Optional<String> template, Optional<Instant> finishedAt,
        boolean bf16) {
}
