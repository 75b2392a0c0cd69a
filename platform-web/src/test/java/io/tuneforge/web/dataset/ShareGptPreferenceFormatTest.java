package io.tuneforge.web.dataset;

import static org.assertj.core.api.Assertions.assertThat;

import io.tuneforge.core.dataset.DatasetService;
import io.tuneforge.core.dataset.DatasetVersion;
import io.tuneforge.core.dataset.VersionDetails;
import io.tuneforge.core.team.TeamRepository;
import io.tuneforge.core.user.Actor;
import io.tuneforge.core.user.Role;
import io.tuneforge.core.user.UserAccountService;
import io.tuneforge.shared.dataset.DatasetFormat;
import io.tuneforge.trainer.cli.TrainerCli;
import io.tuneforge.trainer.data.DatasetSpec;
import io.tuneforge.trainer.data.Datasets;
import io.tuneforge.trainer.data.ExampleKind;
import io.tuneforge.trainer.data.LoadedDataset;
import io.tuneforge.trainer.data.validation.ValidationOptions;
import io.tuneforge.web.testing.SignedIn;
import io.tuneforge.web.testing.Workspace;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import picocli.CommandLine;

/**
 * A ShareGPT preference file ({@code conversations} with {@code chosen}/{@code rejected} answers, as LLaMA-Factory's
 * {@code dpo_en_demo.json} and MedicalGPT's DPO data) is preference data wherever it enters: an upload (the service
 * behind the Datasets page and {@code POST /api/v1/files}, whose own check is in {@code ApiTest}), the CLI, and the
 * worker, which reads the format the upload stored. Before the platform read datasets through the data pipeline,
 * uploads called it ShareGPT.
 */
@SpringBootTest
class ShareGptPreferenceFormatTest {

    @Autowired
    DatasetService datasets;

    @Autowired
    UserAccountService accounts;

    @Autowired
    TeamRepository teams;

    @AfterEach
    void signOut() {
        SignedIn.signOut();
    }

    @ParameterizedTest
    @ValueSource(strings = {"datasets/llama_factory/dpo_en_demo.json", "datasets/medicalgpt/dpo_zh_500.jsonl"})
    void anUploadIsDetectedAsPreferenceAndTheWorkerReadsItAsPreference(String relative) throws Exception {
        Path file = Workspace.fixture(relative);
        Actor actor = SignedIn.as(Role.MEMBER, accounts, teams);

        VersionDetails version;
        try (InputStream content = Files.newInputStream(file)) {
            version = datasets.upload(actor, "dpo-" + UUID.randomUUID(), file.getFileName().toString(), content,
                    Optional.empty());
        }

        assertThat(version.format()).isEqualTo(DatasetFormat.PREFERENCE);
        assertThat(version.status()).as(version.report().toJson()).isEqualTo(DatasetVersion.Status.VALID);
        assertThat(datasets.preview(actor, version.id(), 1)).singleElement()
                .satisfies(row -> assertThat(row.value().has("chosen")).isTrue());
        // the worker loads a job's dataset as the format stored with its version (dataset_versions.format)
        LoadedDataset loaded = Datasets.load(DatasetSpec.of(datasets.sourceFile(actor, version.id()),
                DatasetFormat.parse(version.format().cliName())), ValidationOptions.defaults().withDropInvalidRows(true));
        assertThat(loaded.examples()).isNotEmpty().allSatisfy(e -> assertThat(e.kind()).isEqualTo(ExampleKind.PREFERENCE));
    }

    @ParameterizedTest
    @ValueSource(strings = {"datasets/llama_factory/dpo_en_demo.json", "datasets/medicalgpt/dpo_zh_500.jsonl"})
    void theCliDetectsPreference(String relative) {
        Path file = Workspace.fixture(relative);
        StringWriter out = new StringWriter();
        CommandLine cli = TrainerCli.newCommandLine();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(new StringWriter()));

        int code = cli.execute("dataset", "validate", "--file", file.toString());

        assertThat(code).as(out.toString()).isZero();
        assertThat(out.toString()).contains("VALID").contains("format preference, detected");
    }
}
