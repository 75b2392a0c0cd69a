package io.tuneforge.shared.files;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Whole folders: delete or copy a tree (temporary build folders, checkpoints, downloads, artifacts). */
public final class FileTrees {

    private FileTrees() {
    }

    /** Deletes {@code root} and everything under it; nothing happens when it does not exist. */
    public static void delete(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** {@link #delete(Path)} for callers that cannot go on when it fails; the message says what was not removed. */
    public static void deleteOrFail(Path root, String what) {
        try {
            delete(root);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot remove " + what + " " + root + ": " + e.getMessage(), e);
        }
    }

    /** Copies the tree under {@code from} into the existing folder {@code to}, keeping relative paths. */
    public static void copy(Path from, Path to) throws IOException {
        try (Stream<Path> walk = Files.walk(from)) {
            for (Path p : walk.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }
}
