package io.tuneforge.core.platform;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Set;

/**
 * The embedded PostgreSQL's password: 32 random bytes as hex, written on first start to a file in the platform home
 * that only its owner may read (mode 0600), and read from there on every later start, by the platform and by
 * workers on the same host ({@code --db-password "$(cat <home>/database-password)"}).
 */
final class EmbeddedDatabasePassword {

    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");
    private static final SecureRandom RANDOM = new SecureRandom();

    private EmbeddedDatabasePassword() {
    }

    /** The password kept in {@code file}, created there when the file is absent or empty. */
    static String loadOrCreate(Path file) throws IOException {
        if (Files.isRegularFile(file)) {
            String kept = Files.readString(file).strip();
            if (!kept.isEmpty()) {
                restrict(file);
                return kept;
            }
        }
        byte[] random = new byte[32];
        RANDOM.nextBytes(random);
        String password = HexFormat.of().formatHex(random);
        Files.createDirectories(file.toAbsolutePath().getParent());
        // written beside it with owner-only rights from the start, then moved into place: never readable by others
        Path partial = posix() ? Files.createTempFile(file.toAbsolutePath().getParent(), ".database-password", ".tmp",
                PosixFilePermissions.asFileAttribute(OWNER_ONLY))
                : Files.createTempFile(file.toAbsolutePath().getParent(), ".database-password", ".tmp");
        Files.writeString(partial, password + "\n");
        Files.move(partial, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return password;
    }

    /** Takes away any rights of group and others (a copied or restored file may have gained some). */
    private static void restrict(Path file) throws IOException {
        if (posix() && !Files.getPosixFilePermissions(file).equals(OWNER_ONLY)) {
            Files.setPosixFilePermissions(file, OWNER_ONLY);
        }
    }

    private static boolean posix() {
        return FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
    }
}
