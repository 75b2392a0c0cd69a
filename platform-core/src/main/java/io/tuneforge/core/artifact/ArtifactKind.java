package io.tuneforge.core.artifact;

import io.tuneforge.core.platform.LowercaseEnumConverter;
import jakarta.persistence.Converter;

/**
 * What a stored artifact is. Its own type beside the artifact store (not nested in the job's {@code Artifact} row) so
 * that the model registry can name model kinds without depending on jobs.
 */
public enum ArtifactKind {
    /** A PEFT LoRA adapter folder. */
    ADAPTER,
    /** A full model with the adapter merged in. */
    MERGED,
    /** A GGUF file for llama.cpp and Ollama. */
    GGUF,
    /** The predictions of an evaluation run. */
    PREDICTIONS,
    /** The job's log. */
    LOG;

    /** Stored lowercase in {@code artifacts.kind}. */
    @Converter(autoApply = true)
    static class Column extends LowercaseEnumConverter<ArtifactKind> {
        Column() {
            super(ArtifactKind.class);
        }
    }
}
