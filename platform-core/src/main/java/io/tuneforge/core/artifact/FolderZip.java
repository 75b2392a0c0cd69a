package io.tuneforge.core.artifact;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * A folder artifact (PEFT adapter, merged model) as a zip written on the fly onto a stream: nothing is staged on disk
 * or held in memory. The job page's downloads and the REST API's artifact content both use it.
 */
public final class FolderZip {

    private FolderZip() {
    }

    /** Writes every file under {@code folder}, by relative path in sorted order, as a zip onto {@code out}. */
    public static void write(Path folder, OutputStream out) throws IOException {
        ZipOutputStream zip = new ZipOutputStream(out);
        List<Path> files;
        try (Stream<Path> walk = Files.walk(folder)) {
            files = walk.filter(Files::isRegularFile).sorted().toList();
        }
        for (Path file : files) {
            zip.putNextEntry(new ZipEntry(folder.relativize(file).toString().replace('\\', '/')));
            try {
                Files.copy(file, zip);
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot read " + file + " while zipping", e);
            }
            zip.closeEntry();
        }
        zip.finish();
    }
}
