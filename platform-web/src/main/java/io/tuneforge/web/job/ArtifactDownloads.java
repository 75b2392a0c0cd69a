package io.tuneforge.web.job;

import com.vaadin.flow.component.html.Anchor;
import com.vaadin.flow.server.streams.DownloadEvent;
import com.vaadin.flow.server.streams.DownloadHandler;
import io.tuneforge.core.artifact.FolderZip;
import io.tuneforge.core.job.JobMonitorService.ArtifactLine;
import io.tuneforge.web.layout.Sizes;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Download links for a job's results. A folder (PEFT adapter, merged model) streams as a zip written on the fly —
 * nothing is staged on disk or held in memory; a single file (GGUF, predictions) streams as it is.
 */
final class ArtifactDownloads {

    private ArtifactDownloads() {
    }

    /** A link for the artifact, labelled with its kind and size. */
    static Anchor link(String jobName, ArtifactLine artifact) {
        String kind = artifact.kind().name().toLowerCase(Locale.ROOT);
        String base = safe(jobName) + "-" + kind;
        boolean folder = Files.isDirectory(artifact.path());
        String fileName = folder ? base + ".zip" : base + extension(artifact.path());
        DownloadHandler handler = folder ? event -> streamZip(artifact.path(), fileName, event)
                : DownloadHandler.forFile(artifact.path().toFile(), fileName);
        Anchor anchor = new Anchor(handler, label(artifact) + " (" + Sizes.bytes(artifact.sizeBytes())
                + (folder ? ", zipped while downloading" : "") + ")");
        anchor.getElement().setAttribute("download", true);
        anchor.setId("download-" + kind);
        return anchor;
    }

    private static String label(ArtifactLine artifact) {
        return switch (artifact.kind()) {
            case ADAPTER -> "PEFT adapter";
            case MERGED -> "Merged model (Hugging Face)";
            case GGUF -> "GGUF";
            case PREDICTIONS -> "Predictions";
            case LOG -> "Training log";
        };
    }

    /** Writes every file under {@code folder} into a zip on the response stream. */
    static void streamZip(Path folder, String fileName, DownloadEvent event) throws IOException {
        event.setFileName(fileName);
        event.setContentType("application/zip");
        try (OutputStream out = event.getOutputStream()) {
            FolderZip.write(folder, out);
        }
    }

    private static String extension(Path file) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot > 0 ? name.substring(dot) : "";
    }

    private static String safe(String name) {
        return name.replaceAll("[^A-Za-z0-9._-]+", "-");
    }
}
