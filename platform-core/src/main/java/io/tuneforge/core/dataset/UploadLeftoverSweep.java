package io.tuneforge.core.dataset;

import io.tuneforge.core.platform.PlatformHome;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Removes what a killed upload leaves under {@code <home>/datasets}: temporary files in {@code .incoming} (the upload
 * was being received or checked) and stored files that no {@code dataset_files} row names (the process died between
 * moving the file into place and committing its row). Runs once at start-up, before the web server takes requests,
 * in the process that receives uploads (the web application); standalone workers turn it off
 * ({@code tuneforge.datasets.startup-sweep=false}). Only files last written before the sweep began are touched, so an
 * upload that another process on the same home has under way is never removed.
 */
@Component
@ConditionalOnProperty(name = "tuneforge.datasets.startup-sweep", havingValue = "true", matchIfMissing = true)
public class UploadLeftoverSweep implements SmartInitializingSingleton {

    private static final Logger log = LoggerFactory.getLogger(UploadLeftoverSweep.class);

    /** Folder of uploads being received, under {@link PlatformHome#datasets()}. */
    static final String INCOMING = ".incoming";

    private final PlatformHome home;
    private final JdbcTemplate jdbc;

    UploadLeftoverSweep(PlatformHome home, JdbcTemplate jdbc) {
        this.home = home;
        this.jdbc = jdbc;
    }

    /**
     * What a sweep removed.
     *
     * @param temporaryFiles temporary uploads removed from {@code .incoming}
     * @param orphanFiles    stored dataset files without a database row removed
     * @param bytes          their total size
     */
    public record Report(int temporaryFiles, int orphanFiles, long bytes) {
    }

    @Override
    public void afterSingletonsInstantiated() {
        Report report = sweep(Instant.now());
        if (report.temporaryFiles() + report.orphanFiles() > 0) {
            log.warn("Removed {} temporary upload(s) and {} dataset file(s) without a database row ({} bytes) left by "
                    + "interrupted uploads", report.temporaryFiles(), report.orphanFiles(), report.bytes());
        }
    }

    /** Removes leftovers last modified before {@code cutoff}. */
    public Report sweep(Instant cutoff) {
        Path datasets = home.datasets();
        if (!Files.isDirectory(datasets)) {
            return new Report(0, 0, 0);
        }
        Set<Path> stored = storedFiles();
        int temporary = 0;
        int orphans = 0;
        long bytes = 0;
        for (Path file : regularFiles(datasets)) {
            boolean incoming = datasets.relativize(file).startsWith(INCOMING);
            if ((incoming || !stored.contains(file)) && writtenBefore(file, cutoff)) {
                long size = sizeOf(file);
                if (delete(file)) {
                    bytes += size;
                    if (incoming) {
                        temporary++;
                    } else {
                        orphans++;
                        removeEmptyFolders(file.getParent(), datasets);
                    }
                }
            }
        }
        return new Report(temporary, orphans, bytes);
    }

    /** Absolute, normalised paths of every stored dataset file (rows keep them relative to the home). */
    private Set<Path> storedFiles() {
        Set<Path> stored = new HashSet<>();
        jdbc.query("select storage_path from dataset_files",
                rs -> {
                    stored.add(home.root().resolve(rs.getString(1)).toAbsolutePath().normalize());
                });
        return stored;
    }

    private static List<Path> regularFiles(Path root) {
        try (Stream<Path> walk = Files.walk(root)) {
            return walk.filter(Files::isRegularFile).map(p -> p.toAbsolutePath().normalize()).toList();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot list " + root + " to remove interrupted uploads", e);
        }
    }

    private static boolean writtenBefore(Path file, Instant cutoff) {
        try {
            return Files.getLastModifiedTime(file).toInstant().isBefore(cutoff);
        } catch (IOException e) {
            return false; // gone or unreadable: leave it
        }
    }

    private static long sizeOf(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            return 0;
        }
    }

    private static boolean delete(Path file) {
        try {
            return Files.deleteIfExists(file);
        } catch (IOException e) {
            log.warn("Cannot remove the interrupted upload {}: {}", file, e.getMessage());
            return false;
        }
    }

    /** Removes the emptied version, dataset and team folders of an orphan, up to (not including) {@code root}. */
    private static void removeEmptyFolders(Path folder, Path root) {
        for (Path f = folder; f != null && f.startsWith(root) && !f.equals(root); f = f.getParent()) {
            try (Stream<Path> entries = Files.list(f)) {
                if (entries.findAny().isPresent()) {
                    return;
                }
                Files.delete(f);
            } catch (IOException e) {
                return;
            }
        }
    }
}
