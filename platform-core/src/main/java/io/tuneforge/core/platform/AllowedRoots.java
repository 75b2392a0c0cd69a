package io.tuneforge.core.platform;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * Server folders that users may point the platform at (models to register, data folders to import). A path is
 * accepted only when its real location (links resolved) lies inside one of the roots.
 *
 * @param property the configuration property the roots come from (named in error messages)
 * @param roots    the configured roots, absolute and normalized
 */
public record AllowedRoots(String property, List<Path> roots) {

    /** Parses a comma-separated list of folders. */
    public static AllowedRoots parse(String property, String commaSeparated) {
        List<Path> roots = Arrays.stream(commaSeparated == null ? new String[0] : commaSeparated.split(","))
                .map(String::strip).filter(s -> !s.isEmpty())
                .map(s -> s.startsWith("~") ? System.getProperty("user.home") + s.substring(1) : s)
                .map(s -> Path.of(s).toAbsolutePath().normalize()).toList();
        return new AllowedRoots(property, roots);
    }

    /**
     * The real path of {@code requested} if it exists and lies inside a root.
     *
     * @throws IllegalArgumentException with a message for the user otherwise
     */
    public Path resolve(String requested) {
        if (requested == null || requested.isBlank()) {
            throw new IllegalArgumentException("Enter a folder path on the server");
        }
        if (roots.isEmpty()) {
            throw new IllegalArgumentException("No server folders are allowed yet: an administrator sets " + property);
        }
        Path path = Path.of(requested.strip()).toAbsolutePath().normalize();
        if (!Files.exists(path)) {
            throw new IllegalArgumentException(path + " does not exist on the server");
        }
        try {
            Path real = path.toRealPath();
            for (Path root : roots) {
                if (Files.exists(root) && real.startsWith(root.toRealPath())) {
                    return real;
                }
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("Cannot read " + path + ": " + e.getMessage(), e);
        }
        throw new IllegalArgumentException(path + " is outside the allowed folders " + roots + " (" + property + ")");
    }
}
