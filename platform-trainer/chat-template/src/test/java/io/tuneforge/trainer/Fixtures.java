package io.tuneforge.trainer;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The shared test fixtures ({@code ../shared/fixtures} beside the project). Tests that need them call
 * {@link #path(String)}; where the folder is absent (a user's clone) the test is skipped with a clear message.
 */
public final class Fixtures {

    private Fixtures() {
    }

    /** The fixtures root: system property {@code tuneforge.fixtures} (set by Maven), else {@code ../shared/fixtures}. */
    public static Path root() {
        String configured = System.getProperty("tuneforge.fixtures");
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured).toAbsolutePath().normalize();
        }
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null) {
            Path candidate = dir.resolveSibling("shared").resolve("fixtures");
            if (Files.isDirectory(candidate)) {
                return candidate;
            }
            dir = dir.getParent();
        }
        return Path.of("../shared/fixtures").toAbsolutePath().normalize();
    }

    /** A fixture file or folder, e.g. {@code models/stories260K}; skips the calling test when it is missing. */
    public static Path path(String relative) {
        Path p = root().resolve(relative);
        assumeTrue(Files.exists(p), () -> "Skipped: fixture " + p + " is absent (tests read ../shared/fixtures beside the project)");
        return p;
    }

    /** The real pretrained TinyStories 260K Llama in Hugging Face layout. */
    public static Path stories260K() {
        return path("models/stories260K");
    }
}
