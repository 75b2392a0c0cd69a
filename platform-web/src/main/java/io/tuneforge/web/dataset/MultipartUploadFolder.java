package io.tuneforge.web.dataset;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * Creates the folder the servlet container writes multipart upload parts to ({@code spring.servlet.multipart.location},
 * by default {@code <home>/datasets/.incoming/multipart}). Parts live under the platform home rather than the
 * container's temporary folder so that the parts of an upload whose process was killed are removed by the start-up
 * sweep of upload leftovers ({@code core.dataset.UploadLeftoverSweep}); the container refuses parts when the folder
 * is missing.
 */
@Component
class MultipartUploadFolder {

    MultipartUploadFolder(@Value("${spring.servlet.multipart.location:}") String location) {
        if (location.isBlank()) {
            return;
        }
        Path folder = Path.of(location);
        try {
            Files.createDirectories(folder);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create the upload folder " + folder
                    + " (spring.servlet.multipart.location): check the permissions of the platform home", e);
        }
    }
}
