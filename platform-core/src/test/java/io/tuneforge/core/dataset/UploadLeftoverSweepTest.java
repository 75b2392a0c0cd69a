package io.tuneforge.core.dataset;

import static org.assertj.core.api.Assertions.assertThat;

import io.tuneforge.core.platform.PlatformHome;
import io.tuneforge.core.team.Team;
import io.tuneforge.core.team.TeamRepository;
import io.tuneforge.core.user.Actor;
import io.tuneforge.core.user.Role;
import io.tuneforge.core.user.UserAccountService;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

/**
 * The start-up sweep removes what killed uploads leave (a temporary upload, a stored file whose row never committed)
 * and nothing else: stored versions and uploads written after the sweep began stay.
 */
@SpringBootTest(properties = {"tuneforge.datasets.max-upload-bytes=4096",
        "tuneforge.datasets.allowed-roots=${java.io.tmpdir}"})
class UploadLeftoverSweepTest {

    private static final String ALPACA = "[{\"instruction\": \"Say hi\", \"output\": \"Hi!\"}]";

    @Autowired
    UploadLeftoverSweep sweep;
    @Autowired
    DatasetService datasets;
    @Autowired
    UserAccountService accounts;
    @Autowired
    TeamRepository teams;
    @Autowired
    PlatformHome home;

    @Test
    void removesTemporaryUploadsAndStoredFilesWithoutARowButKeepsStoredVersionsAndUploadsUnderWay() throws Exception {
        Actor actor = member();
        VersionDetails version = datasets.upload(actor, "kept-" + UUID.randomUUID(), "kept.json",
                new ByteArrayInputStream(ALPACA.getBytes(StandardCharsets.UTF_8)), Optional.empty());
        Path stored = datasets.sourceFile(actor, version.id());
        Instant before = Instant.now().minus(Duration.ofMinutes(5));
        setWritten(stored, before);
        Path killedUpload = write(home.datasets().resolve(".incoming").resolve(UUID.randomUUID() + "-big.jsonl"),
                25_000, before);
        Path killedPart = write(home.datasets().resolve(".incoming").resolve("multipart")
                .resolve("upload_" + UUID.randomUUID() + ".tmp"), 5_000, before); // the servlet container's part
        Path orphanFolder = home.datasets().resolve(Long.toString(actor.teamId())).resolve("987654321");
        Path orphan = write(orphanFolder.resolve("v1").resolve("never-committed.jsonl"), 121_000, before);
        Path underWay = write(home.datasets().resolve(".incoming").resolve(UUID.randomUUID() + "-now.jsonl"), 10,
                Instant.now().plus(Duration.ofMinutes(1)));

        UploadLeftoverSweep.Report report = sweep.sweep(Instant.now());

        assertThat(killedUpload).doesNotExist();
        assertThat(killedPart).doesNotExist();
        assertThat(orphan).doesNotExist();
        assertThat(orphanFolder).as("the orphan's emptied folders go too").doesNotExist();
        assertThat(stored).as("a stored version stays").hasContent(ALPACA);
        assertThat(underWay).as("an upload written after the sweep began stays").exists();
        assertThat(report.temporaryFiles()).isGreaterThanOrEqualTo(2);
        assertThat(report.orphanFiles()).isGreaterThanOrEqualTo(1);
        assertThat(report.bytes()).isGreaterThanOrEqualTo(151_000);
        assertThat(datasets.preview(actor, version.id(), 1)).hasSize(1);
    }

    private static Path write(Path file, int bytes, Instant written) throws Exception {
        Files.createDirectories(file.getParent());
        Files.write(file, new byte[bytes]);
        setWritten(file, written);
        return file;
    }

    private static void setWritten(Path file, Instant written) throws Exception {
        Files.setLastModifiedTime(file, FileTime.from(written));
    }

    private Actor member() {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        Team team = teams.save(new Team("team-" + suffix, 1));
        return Actor.of(accounts.createUser("user-" + suffix, "User", "a-long-password-1", Role.MEMBER, team));
    }
}
