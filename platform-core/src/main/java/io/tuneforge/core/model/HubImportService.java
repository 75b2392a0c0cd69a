package io.tuneforge.core.model;

import io.tuneforge.core.platform.PlatformHome;
import io.tuneforge.core.user.Actor;
import io.tuneforge.shared.files.FileTrees;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Service;

/**
 * Imports base models from the Hugging Face Hub ({@code HF_ENDPOINT}, token {@code HF_TOKEN}): downloads what the
 * trainer reads (config, tokenizer, safetensors weights) into a temporary folder under the platform home's
 * {@code models} folder, renames it into place when complete, and registers it as a base model of the actor's team
 * through {@link BaseModelService}. A failed or cancelled import leaves no folder behind.
 */
@Service
public class HubImportService {

    /** Files the trainer reads besides the {@code *.safetensors} weights. */
    static final Set<String> NEEDED_FILES = Set.of("config.json", "generation_config.json", "tokenizer.json",
            "tokenizer_config.json", "special_tokens_map.json", "tokenizer.model", "model.safetensors.index.json",
            "chat_template.jinja");

    private static final Logger log = LoggerFactory.getLogger(HubImportService.class);
    private static final Duration STATUS_CACHE = Duration.ofSeconds(60);
    private static final Duration PROGRESS_EVERY = Duration.ofMillis(200);
    private static final String PARTIAL_PREFIX = ".partial-";
    /** A temporary download folder untouched this long belongs to no running import any more. */
    private static final Duration ABANDONED = Duration.ofHours(6);

    private final BaseModelService models;
    private final PlatformHome home;
    private final HubClient hub;
    private volatile HubStatus status;
    private volatile Instant statusCheckedAt = Instant.MIN;

    public HubImportService(BaseModelService models, PlatformHome home,
            @Value("${tuneforge.hub.endpoint:${HF_ENDPOINT:https://huggingface.co}}") String endpoint,
            @Value("${tuneforge.hub.token:${HF_TOKEN:}}") String token) {
        this.models = models;
        this.home = home;
        this.hub = new HubClient(endpoint, Optional.of(token));
        removeAbandonedDownloads();
    }

    /** Removes {@code .partial-*} folders that a stopped server left behind (untouched for {@link #ABANDONED}). */
    private void removeAbandonedDownloads() {
        if (!Files.isDirectory(home.models())) {
            return;
        }
        Instant before = Instant.now().minus(ABANDONED);
        try (Stream<Path> folders = Files.list(home.models())) {
            for (Path folder : folders.filter(f -> f.getFileName().toString().startsWith(PARTIAL_PREFIX)).toList()) {
                if (lastWrite(folder).isBefore(before)) {
                    log.info("Removing the abandoned Hub download {}", folder);
                    FileTrees.deleteOrFail(folder, "the incomplete download");
                }
            }
        } catch (IOException | UncheckedIOException e) {
            log.warn("Cannot clean abandoned Hub downloads under {}: {}", home.models(), e.getMessage());
        }
    }

    /** The newest modification time of the folder and its files. */
    private static Instant lastWrite(Path folder) throws IOException {
        try (Stream<Path> paths = Files.walk(folder)) {
            Instant newest = Instant.MIN;
            for (Path path : paths.toList()) {
                Instant modified = Files.getLastModifiedTime(path).toInstant();
                newest = modified.isAfter(newest) ? modified : newest;
            }
            return newest;
        }
    }

    /** Whether the Hub answers, checked at most once a minute (a check takes up to a few seconds). */
    public HubStatus status() {
        if (status == null || Instant.now().isAfter(statusCheckedAt.plus(STATUS_CACHE))) {
            status = hub.probe();
            statusCheckedAt = Instant.now();
        }
        return status;
    }

    /**
     * Checks the request and starts the import in the background.
     *
     * @param progress told how far the download is, a few times a second and once more when every file is there;
     *                 called from the download thread
     * @throws ModelException at once when the request is malformed or the name is taken
     */
    public HubDownload start(Actor actor, HubImportRequest request, Consumer<HubProgress> progress) {
        actor.requireWriter();
        models.requireFreeName(request.name());
        HubDownload download = new HubDownload(request);
        download.runOn(Thread.ofVirtual().name("hub-import-" + request.folderName()),
                () -> importNow(actor, request, progress, download));
        return download;
    }

    private BaseModelSummary importNow(Actor actor, HubImportRequest request, Consumer<HubProgress> progress,
            HubDownload download) {
        Path partial = createPartialFolder();
        try {
            List<HubClient.HubFile> files = neededFiles(request);
            Tracker tracker = new Tracker(files, progress);
            for (HubClient.HubFile file : files) {
                tracker.starting(file);
                hub.download(request.repoId(), request.revision(), file.name(), partial.resolve(file.name()),
                        tracker::lengthKnown, tracker::written, download::isCancelled);
                tracker.finished(file);
            }
            if (!download.beginRegistration()) {
                throw new CancellationException();
            }
            Path folder = moveIntoPlace(partial, request.folderName());
            try {
                return models.registerImported(actor, request.name(), folder);
            } catch (RuntimeException e) {
                FileTrees.deleteOrFail(folder, "the incomplete download");
                throw e;
            }
        } finally {
            FileTrees.deleteOrFail(partial, "the incomplete download");
        }
    }

    /** The files to download; refuses repositories the trainer could not read. */
    private List<HubClient.HubFile> neededFiles(HubImportRequest request) {
        List<HubClient.HubFile> all = hub.listFiles(request.repoId(), request.revision());
        List<HubClient.HubFile> needed = all.stream().filter(f -> isNeeded(f.name())).toList();
        String where = request.repoId() + " at revision \"" + request.revision() + "\"";
        if (needed.stream().noneMatch(f -> f.name().equals("config.json"))) {
            throw new ModelException(where + " has no config.json: it is not a Transformers model repository");
        }
        if (needed.stream().noneMatch(f -> f.name().endsWith(".safetensors"))) {
            throw new ModelException(where + " has no *.safetensors weights (TuneForge reads safetensors only): "
                    + "pick a repository or revision that has them");
        }
        return needed;
    }

    /** Top-level config, tokenizer and safetensors files; nothing in subfolders (other formats, ONNX, GGUF). */
    static boolean isNeeded(String name) {
        return !name.contains("/") && (NEEDED_FILES.contains(name) || name.endsWith(".safetensors"));
    }

    private Path createPartialFolder() {
        try {
            Path root = Files.createDirectories(home.models());
            return Files.createDirectory(root.resolve(PARTIAL_PREFIX + UUID.randomUUID()));
        } catch (IOException e) {
            throw new ModelException("Cannot create a download folder under " + home.models() + ": " + e.getMessage()
                    + ". Check that the platform home is writable", e);
        }
    }

    /** Renames the complete download to its final name ({@code -2}, {@code -3}, ... when taken). */
    private Path moveIntoPlace(Path partial, String folderName) {
        for (int attempt = 1; attempt < 1000; attempt++) {
            Path target = home.models().resolve(attempt == 1 ? folderName : folderName + "-" + attempt);
            if (Files.exists(target)) {
                continue;
            }
            try {
                return Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException | DirectoryNotEmptyException taken) {
                // another import took the name in between: try the next
            } catch (IOException e) {
                throw new ModelException("Cannot move the download into " + target + ": " + e.getMessage(), e);
            }
        }
        throw new ModelException("Too many folders named " + folderName + " under " + home.models());
    }

    /** Adds up bytes and files and tells the listener, at most every {@link #PROGRESS_EVERY}. */
    private static final class Tracker {

        private final Consumer<HubProgress> listener;
        private final int filesTotal;
        private long bytesTotal;
        private long bytesDone;
        private int filesDone;
        private String file = "";
        private long fileSizeCounted;
        private Instant lastReport = Instant.MIN;

        Tracker(List<HubClient.HubFile> files, Consumer<HubProgress> listener) {
            this.listener = listener;
            this.filesTotal = files.size();
            this.bytesTotal = files.stream().mapToLong(f -> f.size().orElse(0)).sum();
            report(true);
        }

        void starting(HubClient.HubFile next) {
            file = next.name();
            fileSizeCounted = next.size().orElse(-1);
        }

        /** The listing gave no size for this file: count its Content-Length instead. */
        void lengthKnown(long length) {
            if (fileSizeCounted < 0) {
                bytesTotal += length;
                fileSizeCounted = length;
            }
        }

        void written(long bytes) {
            bytesDone += bytes;
            report(false);
        }

        void finished(HubClient.HubFile done) {
            filesDone++;
            file = filesDone == filesTotal ? "" : file;
            report(true);
        }

        private void report(boolean always) {
            Instant now = Instant.now();
            if (!always && now.isBefore(lastReport.plus(PROGRESS_EVERY))) {
                return;
            }
            lastReport = now;
            try {
                listener.accept(new HubProgress(file, filesDone, filesTotal, bytesDone, Math.max(bytesTotal, bytesDone)));
            } catch (RuntimeException e) {
                log.warn("A Hub import progress listener failed; the download goes on", e);
            }
        }
    }
}
