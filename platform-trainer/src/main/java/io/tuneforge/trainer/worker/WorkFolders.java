package io.tuneforge.trainer.worker;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A worker's scratch folders, {@code <home>/work/job-<id>/attempt-<n>}: the trainer's output directory and the merged
 * model being built. Nothing in them is needed once a run ends (checkpoints and artifacts are in the artifact store,
 * and a resumed run starts from the store), so with the default retention of zero a run's folder is removed as soon
 * as the run ends, after its artifacts are stored. A retention ({@code tuneforge.jobs.work-retention}, e.g.
 * {@code 24h}) keeps them for debugging: a job's folder is then removed by a later sweep once the job has been
 * finished (succeeded, failed or cancelled) for longer than the retention, or when the job no longer exists.
 */
public final class WorkFolders {

    private static final Logger log = LoggerFactory.getLogger(WorkFolders.class);
    private static final Pattern JOB_FOLDER = Pattern.compile("job-(\\d+)");

    /** When a job finished, if it has; what a sweep asks of the database. */
    @FunctionalInterface
    public interface FinishedJobs {
        /**
         * @return when the job finished; {@link Instant#EPOCH} when the job no longer exists; empty while it is
         *         queued, running or paused
         */
        Optional<Instant> finishedAt(long jobId);
    }

    private final Path root;
    private final Duration retention;
    private final FinishedJobs finished;

    /**
     * @param root      the folder holding {@code job-<id>} folders ({@code <home>/work})
     * @param retention how long a finished job's folder is kept; zero removes a run's folder when the run ends
     * @param finished  when jobs finished, for the sweep
     */
    public WorkFolders(Path root, Duration retention, FinishedJobs finished) {
        if (retention.isNegative()) {
            throw new IllegalArgumentException("tuneforge.jobs.work-retention must not be negative (got " + retention
                    + ")");
        }
        this.root = root;
        this.retention = retention;
        this.finished = finished;
    }

    /** Removes each run's folder when it ends, sweeping nothing else: for a runner without a database. */
    public static WorkFolders removedAtOnce(Path root) {
        return new WorkFolders(root, Duration.ZERO, jobId -> Optional.empty());
    }

    /** A fresh, empty folder for a run (what an earlier run of the same attempt number left is removed). */
    public Path prepare(long jobId, int attempt) throws IOException {
        Path folder = runFolder(jobId, attempt);
        deleteTree(folder);
        Files.createDirectories(folder);
        return folder;
    }

    /**
     * A run ended (any outcome; its artifacts, if any, are stored): its folder is removed now when the retention is
     * zero; otherwise folders of jobs finished longer ago than the retention are swept.
     */
    public void runEnded(long jobId, int attempt) {
        try {
            if (retention.isZero()) {
                deleteTree(runFolder(jobId, attempt));
                deleteIfEmpty(jobFolder(jobId));
            }
            sweep(Instant.now());
        } catch (IOException | UncheckedIOException e) {
            log.warn("Cannot remove the work folder of job {}: {}", jobId, e.getMessage());
        }
    }

    /**
     * Removes the folders of jobs that finished before {@code now} minus the retention, or no longer exist.
     *
     * @return how many job folders were removed
     */
    public int sweep(Instant now) throws IOException {
        if (!Files.isDirectory(root)) {
            return 0;
        }
        int removed = 0;
        try (DirectoryStream<Path> jobs = Files.newDirectoryStream(root)) {
            for (Path folder : jobs) {
                Matcher m = JOB_FOLDER.matcher(folder.getFileName().toString());
                if (!m.matches() || !Files.isDirectory(folder)) {
                    continue;
                }
                Optional<Instant> ended = finished.finishedAt(Long.parseLong(m.group(1)));
                if (ended.isPresent() && !ended.get().plus(retention).isAfter(now)) {
                    deleteTree(folder);
                    removed++;
                }
            }
        }
        return removed;
    }

    Path jobFolder(long jobId) {
        return root.resolve("job-" + jobId);
    }

    Path runFolder(long jobId, int attempt) {
        return jobFolder(jobId).resolve("attempt-" + attempt);
    }

    private static void deleteIfEmpty(Path folder) throws IOException {
        if (Files.isDirectory(folder)) {
            try (Stream<Path> entries = Files.list(folder)) {
                if (entries.findAny().isPresent()) {
                    return;
                }
            }
            Files.deleteIfExists(folder);
        }
    }

    private static void deleteTree(Path folder) throws IOException {
        if (!Files.exists(folder)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(folder)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
