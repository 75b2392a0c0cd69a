package io.tuneforge.core.artifact;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileSystemArtifactStoreTest {

    @TempDir
    Path root;

    @Test
    void writesAFileAtomicallyWithItsSizeAndHash() throws IOException {
        FileSystemArtifactStore store = new FileSystemArtifactStore(root);

        StoredObject stored = store.writeFile("jobs/1/predictions", out -> out.write("abc".getBytes()));

        assertThat(stored.sizeBytes()).isEqualTo(3);
        assertThat(stored.sha256()).isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assertThat(Files.readString(store.localCopy("jobs/1/predictions"))).isEqualTo("abc");
    }

    @Test
    void aFailedWriteLeavesTheOldContentAndNoTemporary() throws IOException {
        FileSystemArtifactStore store = new FileSystemArtifactStore(root);
        store.writeFile("jobs/1/log", out -> out.write("old".getBytes()));

        assertThatThrownBy(() -> store.writeFile("jobs/1/log", out -> {
            out.write("half".getBytes());
            throw new IOException("disk full");
        })).isInstanceOf(ArtifactStoreException.class).hasMessageContaining("disk full");

        assertThat(Files.readString(store.localCopy("jobs/1/log"))).isEqualTo("old");
        try (Stream<Path> files = Files.list(root.resolve("jobs/1"))) {
            assertThat(files).extracting(p -> p.getFileName().toString()).containsExactly("log");
        }
    }

    @Test
    void replacesACheckpointFolderAsAWhole() throws IOException {
        FileSystemArtifactStore store = new FileSystemArtifactStore(root);
        String key = ArtifactStore.checkpointKey(7, 100);
        store.writeDirectory(key, dir -> Files.writeString(dir.resolve("a.bin"), "1"));

        StoredObject second = store.writeDirectory(key, dir -> {
            Files.writeString(dir.resolve("b.bin"), "22", StandardCharsets.UTF_8);
        });

        try (Stream<Path> files = Files.list(store.localCopy(key))) {
            assertThat(files).extracting(p -> p.getFileName().toString()).containsExactly("b.bin");
        }
        assertThat(second.sizeBytes()).isEqualTo(2);
    }

    @Test
    void refusesKeysThatLeaveTheStore() {
        FileSystemArtifactStore store = new FileSystemArtifactStore(root);
        assertThatThrownBy(() -> store.writeFile("../escape", out -> { }))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
