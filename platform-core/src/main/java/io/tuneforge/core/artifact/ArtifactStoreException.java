package io.tuneforge.core.artifact;

/** The artifact store could not read or write an object (disk full, permissions, missing key). */
public class ArtifactStoreException extends RuntimeException {

    public ArtifactStoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
