package io.tuneforge.web.job;

import com.vaadin.flow.component.html.Anchor;
import io.tuneforge.core.job.JobMonitorService.ArtifactLine;
import io.tuneforge.web.layout.Sizes;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Download links for a job's results, pointing at the REST API's stable artifact URLs
 * ({@code api/v1/fine_tuning/jobs/{id}/artifacts/{name}/content}), which accept the signed-in browser's session as
 * well as a token: a folder (PEFT adapter, merged model) streams as a zip written on the fly, a single file (GGUF,
 * predictions) as it is, resumable with Range requests. The link can be copied into a script (with a token).
 */
final class ArtifactDownloads {

    private ArtifactDownloads() {
    }

    /** A link for the artifact, labelled with its kind and size; the browser saves it as {@code <job>-<kind>.<ext>}. */
    static Anchor link(long jobId, String jobName, ArtifactLine artifact) {
        boolean folder = Files.isDirectory(artifact.path());
        String fileName = safe(jobName) + "-" + artifact.name() + (folder ? ".zip" : extension(artifact.path()));
        Anchor anchor = new Anchor(url(jobId, artifact), label(artifact) + " (" + Sizes.bytes(artifact.sizeBytes())
                + (folder ? ", zipped while downloading" : "") + ")");
        anchor.getElement().setAttribute("download", fileName);
        // a plain link, not a Vaadin route: the browser fetches it itself
        anchor.getElement().setAttribute("router-ignore", true);
        anchor.setId("download-" + artifact.name());
        return anchor;
    }

    /** The artifact's content URL, relative to the application's root (Vaadin's base href). */
    static String url(long jobId, ArtifactLine artifact) {
        return "api/v1/fine_tuning/jobs/" + jobId + "/artifacts/" + artifact.name() + "/content";
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

    private static String extension(Path file) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot > 0 ? name.substring(dot) : "";
    }

    private static String safe(String name) {
        return name.replaceAll("[^A-Za-z0-9._-]+", "-");
    }
}
