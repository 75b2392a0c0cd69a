package io.tuneforge.trainer.worker;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.stream.Stream;

/** Tells a full disk from other I/O failures, and measures what a write needs and what is free. */
final class DiskSpace {

    /** What the JDK, libtorch and the C library say when a write finds the disk (or the user's quota) full. */
    private static final String[] FULL = {"no space left on device", "disk quota exceeded", "enospc",
        "not enough space on the disk"};

    private DiskSpace() {
    }

    /** True when {@code error} or one of its causes is a write that failed for want of disk space. */
    static boolean isFull(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            String text = t instanceof FileSystemException f && f.getReason() != null ? f.getReason() : t.getMessage();
            if (text != null) {
                String lower = text.toLowerCase(Locale.ROOT);
                for (String phrase : FULL) {
                    if (lower.contains(phrase)) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    /** Usable bytes on the file system holding {@code path} (or its nearest existing parent); empty if unknown. */
    static OptionalLong usable(Path path) {
        for (Path p = path.toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.exists(p)) {
                try {
                    return OptionalLong.of(Files.getFileStore(p).getUsableSpace());
                } catch (IOException e) {
                    return OptionalLong.empty();
                }
            }
        }
        return OptionalLong.empty();
    }

    /** Total bytes of the regular files under {@code tree} (0 when it does not exist). */
    static long size(Path tree) throws IOException {
        if (!Files.exists(tree)) {
            return 0;
        }
        try (Stream<Path> walk = Files.walk(tree)) {
            long total = 0;
            for (Path p : walk.filter(Files::isRegularFile).toList()) {
                total += Files.size(p);
            }
            return total;
        }
    }

    /** Size of the largest {@code checkpoint-*} folder under {@code outputDir}: what one more checkpoint needs. */
    static OptionalLong checkpointSize(Path outputDir) {
        if (!Files.isDirectory(outputDir)) {
            return OptionalLong.empty();
        }
        try (Stream<Path> entries = Files.list(outputDir)) {
            long largest = 0;
            for (Path p : entries.filter(p -> p.getFileName().toString().startsWith("checkpoint-")).toList()) {
                largest = Math.max(largest, size(p));
            }
            return largest > 0 ? OptionalLong.of(largest) : OptionalLong.empty();
        } catch (IOException e) {
            return OptionalLong.empty();
        }
    }
}
