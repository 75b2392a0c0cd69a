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
import io.tuneforge.shared.dataset.ColumnMapping;
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

        VersionDetails second = upload(actor, "versioned", ALPACA.replace("Hi!", "Hello!"));

        assertThat(second.version()).isEqualTo(2);
        assertThat(service.versions(actor, second.datasetId())).extracting(VersionDetails::version).containsExactly(2, 1);
    }

    private static final String BROKEN = """
            {"instruction": "ok", "output": "fine"}
            {"instruction": "no answer"}
            {"instruction": 5, "output": "x"}
            """;

    @Test
    void refusesAnInvalidFileWholeWithRowAndFieldOfEveryProblemAndStoresNothing() throws Exception {
        Actor actor = member();

        assertThatThrownBy(() -> upload(actor, "broken", BROKEN))
                .isInstanceOfSatisfying(DatasetRejectedException.class, e -> {
                    assertThat(e.report().problems()).extracting(p -> p.row() + ":" + p.field())
                            .containsExactly("2:output", "3:instruction");
                    assertThat(e.getMessage()).contains("broken.json was not stored", "2 problems", "row 2, output");
                });
        assertThat(service.list(actor)).isEmpty();
        assertNothingLeftInIncoming();
    }

    @Test
    void keepsOnlyTheValidRowsWhenAskedAndSaysHowManyWereDropped() throws Exception {
        Actor actor = member();

        VersionDetails version = service.upload(actor, "kept", "kept.jsonl", bytes(BROKEN), Optional.empty(), true);

        assertThat(version.status()).isEqualTo(DatasetVersion.Status.VALID);
        assertThat(version.report().rows()).isEqualTo(1);
        assertThat(version.report().dropped()).isEqualTo(2);
        assertThat(version.report().problems()).extracting(ValidationSummary.Problem::row).containsExactly(2, 3);
        assertThat(Files.readAllLines(service.sourceFile(actor, version.id()))).singleElement()
                .satisfies(line -> assertThat(line).contains("\"fine\""));
        assertNothingLeftInIncoming();
    }

    @Test
    void refusesWhenNoRowIsValidEvenWhenAskedToKeepTheValidOnes() {
        Actor actor = member();

        assertThatThrownBy(() -> service.upload(actor, "none", "none.jsonl",
                bytes("{\"instruction\": \"no answer\"}\n"), Optional.of(DatasetFormat.ALPACA), true))
                .isInstanceOf(DatasetRejectedException.class);
        assertThat(service.list(actor)).isEmpty();
    }

    @Test
    void emptyAndBlankFilesAreEmpty() {
        Actor actor = member();

        assertThatThrownBy(() -> upload(actor, "blank", " \n\t\r\n  \n"))
                .isInstanceOf(DatasetException.class).hasMessageContaining("the file is empty");
        assertThatThrownBy(() -> upload(actor, "nothing", ""))
                .isInstanceOf(DatasetException.class).hasMessageContaining("the file is empty");
        assertThatThrownBy(() -> service.upload(actor, "bom-only", "bom.jsonl",
                new ByteArrayInputStream(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF, ' '}), Optional.empty()))
                .isInstanceOf(DatasetException.class).hasMessageContaining("the file is empty");
    }

    @Test
    void acceptsUtf8WithAByteOrderMarkAndStoresItWithout() throws Exception {
        Actor actor = member();
        byte[] text = ALPACA.getBytes(StandardCharsets.UTF_8);
        byte[] withBom = new byte[text.length + 3];
        withBom[0] = (byte) 0xEF;
        withBom[1] = (byte) 0xBB;
        withBom[2] = (byte) 0xBF;
        System.arraycopy(text, 0, withBom, 3, text.length);

        VersionDetails version = service.upload(actor, "bom", "bom.json", new ByteArrayInputStream(withBom),
                Optional.empty());

        assertThat(version.status()).isEqualTo(DatasetVersion.Status.VALID);
        assertThat(service.sourceFile(actor, version.id())).hasContent(ALPACA);
    }

    @Test
    void convertsUtf16AndUtf32WithAByteOrderMarkToUtf8() throws Exception {
        Actor actor = member();
        for (String charset : new String[] {"UTF-16LE", "UTF-16BE", "UTF-32LE", "UTF-32BE"}) {
            String text = "\uFEFF" + ALPACA.replace("Hi!", "Hi " + charset + " \u00e9\u00e8!");

            VersionDetails version = service.upload(actor, "wide-" + charset, "wide.json",
                    new ByteArrayInputStream(text.getBytes(java.nio.charset.Charset.forName(charset))), Optional.empty());

            assertThat(version.status()).as(charset).isEqualTo(DatasetVersion.Status.VALID);
            assertThat(service.sourceFile(actor, version.id())).as(charset).hasContent(text.substring(1));
        }
        assertNothingLeftInIncoming();
    }

    @Test
    void refusesBytesThatAreNotUtf8NamingTheLine() throws Exception {
        Actor actor = member();
        byte[] first = "{\"text\": \"fine\"}\n{\"text\": \"also fine\"}\n{\"text\": \"caf".getBytes(StandardCharsets.UTF_8);
        byte[] bad = new byte[first.length + 4];
        System.arraycopy(first, 0, bad, 0, first.length);
        bad[first.length] = (byte) 0xE9;
        bad[first.length + 1] = '"';
        bad[first.length + 2] = '}';
        bad[first.length + 3] = '\n';

        assertThatThrownBy(() -> service.upload(actor, "latin1", "latin1.jsonl", new ByteArrayInputStream(bad),
                Optional.empty())).isInstanceOf(DatasetException.class)
                .hasMessageContaining("line 3").hasMessageContaining("save the file as UTF-8");
        assertThat(service.list(actor)).isEmpty();
        assertNothingLeftInIncoming();
    }

    @Test
    void refusesAnExactDuplicateOfAnExistingVersionNamingIt() {
        Actor actor = member();
        VersionDetails first = upload(actor, "twice", ALPACA);

        assertThatThrownBy(() -> upload(actor, "twice", ALPACA))
                .isInstanceOfSatisfying(DuplicateDatasetVersionException.class, e -> {
                    assertThat(e.existingVersionId()).isEqualTo(first.id());
                    assertThat(e.existingVersion()).isEqualTo(1);
                    assertThat(e.getMessage()).contains("version 1 of dataset 'twice'");
                });
        assertThat(service.versions(actor, first.datasetId())).hasSize(1);
    }

    @Test
    void aSyntaxErrorThatHidesTheFormatIsNamedInsteadOfTheGenericMessage() {
        Actor actor = member();

        assertThatThrownBy(() -> upload(actor, "garbled", "{\"instruction\": \"x\", \n"))
                .isInstanceOf(DatasetException.class).hasMessageContaining("record 1: not valid JSON");
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
        assertNothingLeftInIncoming();
    }

    private void assertNothingLeftInIncoming() throws Exception {
        try (var left = Files.list(home.datasets().resolve(".incoming"))) {
            assertThat(left).isEmpty();
        }
    }

    private static ByteArrayInputStream bytes(String content) {
        return new ByteArrayInputStream(content.getBytes(StandardCharsets.UTF_8));
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
    void aKtoEntryIsImportedWithItsColumnsSoItsRowsKeepTheirTags() throws Exception {
        Actor actor = member();
        Path folder = Files.createTempDirectory("llama-factory-kto");
        Files.writeString(folder.resolve("kto.json"), """
                [{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}],
                  "label": true},
                 {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Go away"}],
                  "label": false}]
                """);
        Files.writeString(folder.resolve("dataset_info.json"), """
                {"kto_demo": {"file_name": "kto.json", "columns": {"kto_tag": "label"}}}
                """);

        ImportResult result = service.importLlamaFactoryFolder(actor, folder.toString());

        assertThat(result.skipped()).isEmpty();
        assertThat(result.imported()).singleElement().satisfies(v -> {
            assertThat(v.datasetName()).isEqualTo("kto_demo");
            assertThat(v.status()).isEqualTo(DatasetVersion.Status.VALID);
            assertThat(v.mapping().columns()).containsExactly(java.util.Map.entry("kto_tag", "label"));
            assertThat(v.report().rows()).isEqualTo(2);
        });
    }

    @Test
    void anInvalidFileInALlamaFactoryFolderIsSkippedWithItsReportNotStored() throws Exception {
        Actor actor = member();
        Path folder = Files.createTempDirectory("llama-factory-bad");
        Files.writeString(folder.resolve("bad.jsonl"), BROKEN);
        Files.writeString(folder.resolve("dataset_info.json"), "{\"bad\": {\"file_name\": \"bad.jsonl\"}}");

        ImportResult result = service.importLlamaFactoryFolder(actor, folder.toString());

        assertThat(result.imported()).isEmpty();
        assertThat(result.skipped()).singleElement().satisfies(s -> assertThat(s.reason()).contains("was not stored"));
        assertThat(service.list(actor)).isEmpty();
        assertNothingLeftInIncoming();
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

    private static final String QUESTIONS = """
            {"question": "Capital of France?", "answer": "Paris"}
            {"question": "2 + 2?", "answer": "4"}
            """;

    @Test
    void rowsOfAnUnknownShapeAreRefusedWithTheMappingThatReadsThem() {
        Actor actor = member();

        assertThatThrownBy(() -> upload(actor, "qa", QUESTIONS))
                .isInstanceOfSatisfying(UndetectedFormatException.class, e -> {
                    assertThat(e.suggestedMapping()).contains(ColumnMapping.ofColumns(
                            java.util.Map.of("prompt", "question", "response", "answer")));
                    assertThat(e.getMessage()).contains("cannot tell the format",
                            "{\"prompt\":\"question\",\"response\":\"answer\"}");
                });
        assertThat(service.list(actor)).isEmpty();
    }

    @Test
    void anUploadWithAColumnMappingStoresItWithTheVersion() {
        Actor actor = member();
        ColumnMapping mapping = ColumnMapping.parse("{\"prompt\": \"question\", \"response\": \"answer\"}");

        VersionDetails stored = service.upload(actor, UploadTarget.newDataset("qa"), "qa.jsonl", stream(QUESTIONS),
                Optional.empty(), mapping, false);

        assertThat(stored.format()).isEqualTo(DatasetFormat.ALPACA);
        assertThat(stored.status()).isEqualTo(DatasetVersion.Status.VALID);
        assertThat(service.version(actor, stored.id()).mapping()).isEqualTo(mapping);
        assertThat(service.changeFormat(actor, stored.id(), DatasetFormat.ALPACA).status())
                .as("validated again through the stored mapping").isEqualTo(DatasetVersion.Status.VALID);
    }

    @Test
    void aNewDatasetMayNotTakeTheNameOfAnExistingOne() {
        Actor actor = member();
        VersionDetails first = upload(actor, "taken", ALPACA);

        assertThatThrownBy(() -> service.upload(actor, UploadTarget.newDataset("taken"), "other.json",
                stream(ALPACA.replace("Hi!", "Hey")), Optional.empty(), ColumnMapping.none(), false))
                .isInstanceOf(DatasetException.class).hasMessageContaining("'taken' already exists");
        assertThat(service.versions(actor, first.datasetId())).hasSize(1);
    }

    @Test
    void aNewVersionGoesToThePickedDatasetAndOnlyToOneOfTheOwnTeam() {
        Actor actor = member();
        VersionDetails first = upload(actor, "picked", ALPACA);

        VersionDetails second = service.upload(actor, UploadTarget.existing(first.datasetId()), "anything.json",
                stream(ALPACA.replace("Hi!", "Hello")), Optional.empty(), ColumnMapping.none(), false);

        assertThat(second.datasetName()).isEqualTo("picked");
        assertThat(second.version()).isEqualTo(2);
        assertThat(service.listOwnTeam(actor)).extracting(DatasetSummary::name).containsExactly("picked");
        Actor stranger = member();
        assertThatThrownBy(() -> service.upload(stranger, UploadTarget.existing(first.datasetId()), "x.json",
                stream(ALPACA), Optional.empty(), ColumnMapping.none(), false))
                .isInstanceOf(io.tuneforge.core.user.AccessRefusedException.class);
    }

    @Test
    void aParquetUploadIsStoredAsItCameAsAValidVersion() throws Exception {
        Actor actor = member();
        byte[] parquet = parquetFixture("alpaca-snappy.parquet");

        VersionDetails version = service.upload(actor, "pq", "alpaca.parquet", new ByteArrayInputStream(parquet),
                Optional.empty());

        assertThat(version.format()).isEqualTo(DatasetFormat.ALPACA);
        assertThat(version.status()).isEqualTo(DatasetVersion.Status.VALID);
        assertThat(version.report().rows()).isEqualTo(5);
        Path stored = service.sourceFile(actor, version.id());
        assertThat(stored.getFileName().toString()).endsWith(".parquet");
        assertThat(Files.readAllBytes(stored)).isEqualTo(parquet);
        assertThat(service.preview(actor, version.id(), 1)).singleElement()
                .satisfies(row -> assertThat(row.value().path("output").asString()).isEqualTo("Bonjour"));
    }

    @Test
    void aShareGptParquetWithConversationsAsListsOfStructsIsDetected() throws Exception {
        VersionDetails version = service.upload(member(), "chats", "chats.parquet",
                new ByteArrayInputStream(parquetFixture("sharegpt-clean.parquet")), Optional.empty());

        assertThat(version.format()).isEqualTo(DatasetFormat.SHAREGPT);
        assertThat(version.report().rows()).isEqualTo(3);
    }

    @Test
    void aFileNamedParquetThatIsNotParquetIsRefusedSayingSo() {
        Actor actor = member();

        assertThatThrownBy(() -> service.upload(actor, "pq", "data.parquet", stream("{\"output\": \"x\"}"),
                Optional.empty()))
                .isInstanceOf(DatasetException.class)
                .hasMessage("data.parquet: not a Parquet file (it does not start with the bytes PAR1)");
        assertThat(service.list(actor)).isEmpty();
    }

    @Test
    void aTruncatedParquetUploadIsRefusedAsTruncated() throws Exception {
        Actor actor = member();
        byte[] whole = parquetFixture("alpaca-snappy.parquet");

        assertThatThrownBy(() -> service.upload(actor, "pq", "cut.parquet",
                new ByteArrayInputStream(java.util.Arrays.copyOf(whole, whole.length / 2)), Optional.empty()))
                .isInstanceOf(DatasetException.class).hasMessageStartingWith("cut.parquet: the Parquet file is truncated");
        assertThat(service.list(actor)).isEmpty();
    }

    private static byte[] parquetFixture(String name) throws Exception {
        return Files.readAllBytes(Path.of(DatasetServiceTest.class.getResource("/parquet/" + name).toURI()));
    }

    private static ByteArrayInputStream stream(String content) {
        return new ByteArrayInputStream(content.getBytes(StandardCharsets.UTF_8));
    }

    private Actor member() {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        Team team = teams.save(new Team("team-" + suffix, 1));
        return Actor.of(accounts.createUser("user-" + suffix, "User", "a-long-password-1", Role.MEMBER, team));
    }
}
