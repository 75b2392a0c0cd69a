package io.tuneforge.core.artifact;

import io.tuneforge.shared.files.FileTrees;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Artifact store on a (possibly shared, e.g. NFS) folder. Files are written to a temporary name in the target folder
 * and renamed into place; folders are filled under a temporary name and renamed, the old one moved aside first.
 */
public final class FileSystemArtifactStore implements ArtifactStore {

    private final Path root;

    public FileSystemArtifactStore(Path root) {
        this.root = root.toAbsolutePath().normalize();
        try {
            Files.createDirectories(this.root);
        } catch (IOException e) {
            throw new ArtifactStoreException("Cannot create the artifact folder " + this.root
                    + ": point --artifacts (or tuneforge.artifacts.path) at a writable folder", e);
        }
    }

    /** The folder everything is stored under. */
    public Path root() {
        return root;
    }

    @Override
    public java.util.OptionalLong usableBytes() {
        try {
            return java.util.OptionalLong.of(Files.getFileStore(root).getUsableSpace());
        } catch (IOException e) {
            return java.util.OptionalLong.empty();
        }
    }

    @Override
    public StoredObject writeFile(String key, FileWriter writer) {
        Path target = resolve(key);
        Path temp = target.resolveSibling("." + target.getFileName() + ".tmp-" + UUID.randomUUID());
        try {
            Files.createDirectories(target.getParent());
            MessageDigest sha = sha256();
            long size;
            try (OutputStream file = Files.newOutputStream(temp);
                    DigestOutputStream out = new DigestOutputStream(file, sha)) {
                writer.write(out);
                out.flush();
                size = Files.size(temp);
            }
            move(temp, target);
            return new StoredObject(key, size, HexFormat.of().formatHex(sha.digest()));
        } catch (IOException e) {
            deleteQuietly(temp);
            throw new ArtifactStoreException("Cannot write " + target + ": " + e.getMessage(), e);
        }
    }

    @Override
    public StoredObject writeDirectory(String key, DirectoryWriter writer) {
        Path target = resolve(key);
        Path temp = target.resolveSibling("." + target.getFileName() + ".tmp-" + UUID.randomUUID());
        try {
            Files.createDirectories(temp);
            writer.write(temp);
            StoredObject stored = describeDirectory(key, temp);
            if (Files.exists(target)) {
                Path old = target.resolveSibling("." + target.getFileName() + ".old-" + UUID.randomUUID());
                move(target, old);
                move(temp, target);
                FileTrees.delete(old);
            } else {
                move(temp, target);
            }
            return stored;
        } catch (IOException e) {
            deleteQuietly(temp);
            throw new ArtifactStoreException("Cannot write folder " + target + ": " + e.getMessage(), e);
        }
    }

    @Override
    public InputStream open(String key) {
        try {
            return Files.newInputStream(resolve(key));
        } catch (IOException e) {
            throw new ArtifactStoreException("Cannot open artifact " + key + ": " + e.getMessage(), e);
        }
    }

    @Override
    public Path localCopy(String key) {
        Path path = resolve(key);
        if (!Files.exists(path)) {
            throw new ArtifactStoreException("No artifact " + key + " in " + root, null);
        }
        return path;
    }

    @Override
    public boolean exists(String key) {
        return Files.exists(resolve(key));
    }

    @Override
    public void delete(String key) {
        try {
            FileTrees.delete(resolve(key));
        } catch (IOException e) {
            throw new ArtifactStoreException("Cannot delete artifact " + key + ": " + e.getMessage(), e);
        }
    }

    private Path resolve(String key) {
        Path path = root.resolve(key).normalize();
        if (!path.startsWith(root) || path.equals(root)) {
            throw new IllegalArgumentException("Artifact key '" + key + "' leaves the store");
        }
        return path;
    }

    private static StoredObject describeDirectory(String key, Path dir) throws IOException {
        MessageDigest sha = sha256();
        long size = 0;
        List<Path> files;
        try (Stream<Path> walk = Files.walk(dir)) {
            files = walk.filter(Files::isRegularFile).sorted().toList();
        }
        for (Path f : files) {
            sha.update(dir.relativize(f).toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            try (InputStream in = Files.newInputStream(f)) {
                byte[] buffer = new byte[1 << 16];
                for (int n; (n = in.read(buffer)) > 0; ) {
                    sha.update(buffer, 0, n);
                    size += n;
                }
            }
        }
        return new StoredObject(key, size, HexFormat.of().formatHex(sha.digest()));
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException | FileAlreadyExistsException | DirectoryNotEmptyException e) {
            throw new IOException("the filesystem of " + to.getParent() + " cannot rename atomically", e);
        }
    }

    private static void deleteQuietly(Path path) {
        try {
            FileTrees.delete(path);
        } catch (IOException ignored) {
            // best effort: a leftover temporary is ignored by readers (dot-prefixed)
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
