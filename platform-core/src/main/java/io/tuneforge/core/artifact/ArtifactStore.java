package io.tuneforge.core.artifact;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;

/**
 * Where jobs' checkpoints, adapters, merged models and predictions live, addressed by keys such as
 * {@code jobs/42/checkpoint-100}. The default is a shared filesystem path ({@link FileSystemArtifactStore}); an
 * S3-compatible store can implement the same interface. Every write is atomic: readers see the old object or the
 * complete new one, never a partial one.
 */
public interface ArtifactStore {

    /** Writes the body of one file. */
    @FunctionalInterface
    interface FileWriter {
        void write(OutputStream out) throws IOException;
    }

    /** Fills a fresh, empty local folder. */
    @FunctionalInterface
    interface DirectoryWriter {
        void write(Path emptyDirectory) throws IOException;
    }

    /** Writes one file atomically under {@code key}; returns its size and SHA-256. */
    StoredObject writeFile(String key, FileWriter writer);

    /** Writes a folder (e.g. a checkpoint) atomically under {@code key}, replacing an older one. */
    StoredObject writeDirectory(String key, DirectoryWriter writer);

    /** Opens a stored file. */
    InputStream open(String key);

    /** A local path with the object's content (the object itself for a filesystem store, else a download). */
    Path localCopy(String key);

    /** True when something is stored under {@code key}. */
    boolean exists(String key);

    /**
     * Bytes that new objects may still take, when the store can tell (a filesystem store: its folder's usable space),
     * so that a writer can refuse a write that cannot fit before starting it.
     */
    default java.util.OptionalLong usableBytes() {
        return java.util.OptionalLong.empty();
    }

    /** Removes a file or folder; no error when absent. */
    void delete(String key);

    /** Key of a job's checkpoint at a step. */
    static String checkpointKey(long jobId, int step) {
        return "jobs/" + jobId + "/checkpoints/step-" + String.format("%08d", step);
    }

    /** Key of a job's final artifact of a kind ({@code adapter}, {@code merged}, {@code predictions}). */
    static String artifactKey(long jobId, String kind) {
        return "jobs/" + jobId + "/" + kind;
    }
}
