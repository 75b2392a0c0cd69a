package io.tuneforge.core.dataset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.tuneforge.core.platform.PlatformHome;
import io.tuneforge.core.team.Team;
import io.tuneforge.core.team.TeamRepository;
import io.tuneforge.core.user.Actor;
import io.tuneforge.core.user.Role;
import io.tuneforge.core.user.UserAccountService;
import io.tuneforge.shared.dataset.DatasetException;
import io.tuneforge.shared.dataset.DatasetFormat;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

@SpringBootTest(properties = {"tuneforge.datasets.max-upload-bytes=4096",
        "tuneforge.datasets.allowed-roots=${java.io.tmpdir}"})
class DatasetServiceTest {

    private static final String ALPACA = """
            [{"instruction": "Say hi", "input": "", "output": "Hi!"},
             {"instruction": "Add 2 and 2", "output": "4"}]
            """;

    @Autowired
    DatasetService service;

    @Autowired
    UserAccountService accounts;

    @Autowired
    TeamRepository teams;

    @Autowired
    PlatformHome home;

    @Test
    void uploadDetectsAlpacaStoresTheFileAndValidatesEveryRow() throws Exception {
        Actor actor = member();

        VersionDetails version = upload(actor, "greetings", ALPACA);

        assertThat(version.format()).isEqualTo(DatasetFormat.ALPACA);
        assertThat(version.version()).isEqualTo(1);
        assertThat(version.status()).isEqualTo(DatasetVersion.Status.VALID);
        assertThat(version.report().rows()).isEqualTo(2);
        Path stored = service.sourceFile(actor, version.id());
        assertThat(stored).startsWith(home.datasets()).hasContent(ALPACA);
        assertThat(service.preview(actor, version.id(), 1)).singleElement()
                .satisfies(row -> assertThat(row.value().path("output").asString()).isEqualTo("Hi!"));
    }

    @Test
    void secondUploadOfTheSameNameBecomesVersionTwo() {
        Actor actor = member();
        upload(actor, "versioned", ALPACA);

        VersionDetails second = upload(actor, "versioned", ALPACA);

        assertThat(second.version()).isEqualTo(2);
        assertThat(service.versions(actor, second.datasetId())).extracting(VersionDetails::version).containsExactly(2, 1);
    }

    @Test
    void reportsRowAndFieldOfEveryProblem() {
        Actor actor = member();

        VersionDetails version = upload(actor, "broken", """
                {"instruction": "ok", "output": "fine"}
                {"instruction": "no answer"}
                {"instruction": 5, "output": "x"}
                """);

        assertThat(version.status()).isEqualTo(DatasetVersion.Status.INVALID);
        assertThat(version.report().problems()).extracting(p -> p.row() + ":" + p.field())
                .containsExactly("2:output", "3:instruction");
    }

    @Test
    void formatOverrideRevalidatesTheVersion() {
        Actor actor = member();
        VersionDetails version = upload(actor, "retyped", ALPACA);

        VersionDetails retyped = service.changeFormat(actor, version.id(), DatasetFormat.SHAREGPT);

        assertThat(retyped.format()).isEqualTo(DatasetFormat.SHAREGPT);
        assertThat(retyped.status()).isEqualTo(DatasetVersion.Status.INVALID);
        assertThat(retyped.report().problems()).first().extracting(ValidationSummary.Problem::field).isEqualTo("conversations");
    }

    @Test
    void refusesUploadsOverTheConfiguredLimitAndLeavesNoFileBehind() throws Exception {
        Actor actor = member();
        String big = "{\"text\": \"" + "x".repeat(5000) + "\"}\n";

        assertThatThrownBy(() -> upload(actor, "too-big", big))
                .isInstanceOf(DatasetException.class).hasMessageContaining("upload limit of 4096 bytes");
        try (var left = Files.list(home.datasets().resolve(".incoming"))) {
            assertThat(left).isEmpty();
        }
    }

    @Test
    void otherTeamsCannotSeeTheDataset() {
        Actor owner = member();
        Actor stranger = member();
        VersionDetails version = upload(owner, "private", ALPACA);

        assertThat(service.list(stranger)).extracting(DatasetSummary::name).doesNotContain("private");
        assertThatThrownBy(() -> service.preview(stranger, version.id(), 5))
                .isInstanceOf(DatasetVersionNotFoundException.class);
    }

    @Test
    void importsALlamaFactoryFolderThroughItsDatasetInfo() throws Exception {
        Actor actor = member();
        Path folder = Files.createTempDirectory("llama-factory-data");
        Files.writeString(folder.resolve("identity.json"), ALPACA);
        Files.writeString(folder.resolve("chats.jsonl"), """
                {"conversations": [{"from": "human", "value": "hi"}, {"from": "gpt", "value": "hello"}]}
                """);
        Files.writeString(folder.resolve("dataset_info.json"), """
                {"identity": {"file_name": "identity.json"},
                 "chats": {"file_name": "chats.jsonl", "formatting": "sharegpt"},
                 "from_hub": {"hf_hub_url": "someone/data"},
                 "gone": {"file_name": "missing.json"}}
                """);

        ImportResult result = service.importLlamaFactoryFolder(actor, folder.toString());

        assertThat(result.imported()).extracting(v -> v.datasetName() + ":" + v.format() + ":" + v.status())
                .containsExactly("identity:ALPACA:VALID", "chats:SHAREGPT:VALID");
        assertThat(result.skipped()).extracting(ImportResult.Skipped::name).containsExactly("from_hub", "gone");
    }

    @Test
    void refusesToImportOutsideTheAllowedFolders() {
        assertThatThrownBy(() -> service.importLlamaFactoryFolder(member(), "/etc"))
                .isInstanceOf(DatasetException.class).hasMessageContaining("outside the allowed folders");
    }

    private VersionDetails upload(Actor actor, String name, String content) {
        return service.upload(actor, name, name + ".json",
                new ByteArrayInputStream(content.getBytes(StandardCharsets.UTF_8)), Optional.empty());
    }

    private Actor member() {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        Team team = teams.save(new Team("team-" + suffix, 1));
        return Actor.of(accounts.createUser("user-" + suffix, "User", "a-long-password-1", Role.MEMBER, team));
    }
}
