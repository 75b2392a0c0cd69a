package io.tuneforge.core.platform;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The platform's home directory ({@code ~/.tuneforge} unless {@code tuneforge.home} or {@code TUNEFORGE_HOME} says
 * otherwise): the embedded database, uploaded datasets and the artifact store live below it.
 */
public record PlatformHome(Path root) {

    /** Resolves {@code ~} and makes the folder. */
    public static PlatformHome of(String configured) {
        String expanded = configured.startsWith("~")
                ? System.getProperty("user.home") + configured.substring(1)
                : configured;
        Path root = Path.of(expanded).toAbsolutePath().normalize();
        try {
            Files.createDirectories(root);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create the TuneForge home folder " + root
                    + ": set tuneforge.home (or TUNEFORGE_HOME) to a writable folder", e);
        }
        return new PlatformHome(root);
    }

    /** Data directory of the embedded PostgreSQL. */
    public Path database() {
        return root.resolve("postgres");
    }

    /** The embedded PostgreSQL's generated password (owner-only file, created on first start). */
    public Path databasePassword() {
        return root.resolve("database-password");
    }

    /** Uploaded dataset files. */
    public Path datasets() {
        return root.resolve("datasets");
    }

    /** Base models imported from the Hugging Face Hub (and the default folder models are registered from). */
    public Path models() {
        return root.resolve("models");
    }

    /** Checkpoints, adapters, merged models and predictions of jobs. */
    public Path artifacts() {
        return root.resolve("artifacts");
    }
}
