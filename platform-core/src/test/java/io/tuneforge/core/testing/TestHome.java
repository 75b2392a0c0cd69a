package io.tuneforge.core.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A platform home folder for this test run, under the system temp folder. */
public final class TestHome {

    private static volatile Path path;

    private TestHome() {
    }

    public static Path path() {
        if (path == null) {
            synchronized (TestHome.class) {
                if (path == null) {
                    try {
                        path = Files.createTempDirectory("tuneforge-test-home");
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }
            }
        }
        return path;
    }
}
