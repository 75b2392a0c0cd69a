package io.tuneforge.web.api;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.security.SecurityRequirement;
import io.swagger.v3.oas.annotations.tags.Tag;
import io.tuneforge.core.artifact.FolderZip;
import io.tuneforge.core.job.JobMonitorService;
import io.tuneforge.core.job.JobMonitorService.ArtifactLine;
import io.tuneforge.web.api.AdminDtos.ArtifactDto;
import io.tuneforge.web.api.ApiDtos.ListResponse;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.springframework.core.io.FileSystemResource;
import org.springframework.core.io.Resource;
import org.springframework.http.ContentDisposition;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code /api/v1/fine_tuning/jobs/{id}/artifacts}: a job's results (adapter, merged model, GGUF, predictions, log) as
 * stable URLs that curl can fetch with a token. A single file streams as it is, with HTTP Range support (Spring MVC
 * answers {@code Range} on a {@link Resource} with 206 and the bytes asked for), so a broken download can resume; a
 * folder streams as a zip written on the fly ({@link FolderZip}, as the job page's downloads do). Another team's job
 * answers 404.
 */
@RestController
@RequestMapping("/api/v1/fine_tuning/jobs/{id}/artifacts")
@Tag(name = "Fine-tuning jobs")
@SecurityRequirement(name = "bearer")
class JobArtifactsController {

    private final JobMonitorService monitor;
    private final ApiCaller caller;

    JobArtifactsController(JobMonitorService monitor, ApiCaller caller) {
        this.monitor = monitor;
        this.caller = caller;
    }

    @GetMapping
    @Operation(summary = "The job's downloadable results with size and SHA-256 checksum")
    ListResponse<ArtifactDto> list(@PathVariable long id) {
        return ListResponse.of(monitor.artifacts(caller.get(), id).stream().map(a -> ArtifactDto.of(id, a)).toList(),
                false);
    }

    @GetMapping("/{name}/content")
    @Operation(summary = "Download one result: a file as it is (Range requests answer 206), a folder as a zip")
    ResponseEntity<Resource> content(@PathVariable long id, @PathVariable String name, HttpServletResponse response)
            throws IOException {
        ArtifactLine artifact = monitor.artifact(caller.get(), id, name);
        Path path = artifact.path();
        boolean folder = Files.isDirectory(path);
        String fileName = "job-" + id + "-" + artifact.name() + (folder ? ".zip" : extension(path));
        ContentDisposition attachment = ContentDisposition.attachment().filename(fileName).build();
        if (folder) {
            // written here rather than as a StreamingResponseBody: one return type must also carry a Resource,
            // which is what gives single files their Range support
            response.setContentType("application/zip");
            response.setHeader(HttpHeaders.CONTENT_DISPOSITION, attachment.toString());
            FolderZip.write(path, response.getOutputStream());
            response.flushBuffer();
            return null;
        }
        HttpHeaders headers = new HttpHeaders();
        headers.setContentDisposition(attachment);
        return ResponseEntity.ok().headers(headers).contentType(MediaType.APPLICATION_OCTET_STREAM)
                .body(new FileSystemResource(path));
    }

    private static String extension(Path file) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot > 0 ? name.substring(dot) : "";
    }
}
