package io.tuneforge.core.artifact;

/**
 * Something written to the artifact store.
 *
 * @param key       its key in the store
 * @param sizeBytes total size (all files of a folder)
 * @param sha256    hex SHA-256 of a file's content; of a folder: over its files' relative paths and contents in order
 */
public record StoredObject(String key, long sizeBytes, String sha256) {
}
