package io.tuneforge.core.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tuneforge.core.platform.PlatformHome;
import io.tuneforge.core.team.Team;
import io.tuneforge.core.team.TeamRepository;
import io.tuneforge.core.testing.FakeHub;
import io.tuneforge.core.testing.TestHome;
import io.tuneforge.core.user.AccessRefusedException;
import io.tuneforge.core.user.Actor;
import io.tuneforge.core.user.Role;
import io.tuneforge.core.user.UserAccountService;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** Imports from a local stand-in of the Hugging Face Hub, over real HTTP, into the test platform home. */
@SpringBootTest
class HubImportServiceTest {

    static final FakeHub HUB = new FakeHub();

    @DynamicPropertySource
    static void hubEndpoint(DynamicPropertyRegistry registry) {
        registry.add("tuneforge.hub.endpoint", HUB::endpoint);
    }

    @AfterAll
    static void stopHub() {
        HUB.close();
    }

    @Autowired
    HubImportService hub;

    @Autowired
    BaseModelService models;

    @Autowired
    UserAccountService accounts;

    @Autowired
    TeamRepository teams;

    @Autowired
    PlatformHome home;

    @TempDir
    Path source;

    @Test
    void importsTheNeededFilesByteForByteReportsProgressToTheEndAndRegistersTheModel() throws Exception {
        String repo = publishTinyModel();
        Actor actor = user(Role.MEMBER);
        List<HubProgress> progress = new CopyOnWriteArrayList<>();

        BaseModelSummary model = hub.start(actor, new HubImportRequest(repo, "main", ""), progress::add)
                .result().get(60, TimeUnit.SECONDS);

        Path folder = Path.of(model.path());
        assertThat(folder.getParent()).isEqualTo(TestHome.path().resolve("models").toRealPath());
        assertThat(fileNames(folder)).containsExactlyInAnyOrderElementsOf(fileNames(source));
        for (String name : fileNames(source)) {
            assertThat(Files.readAllBytes(folder.resolve(name))).as(name).isEqualTo(Files.readAllBytes(source.resolve(name)));
        }
        HubProgress last = progress.getLast();
        assertThat(last.complete()).isTrue();
        assertThat(last.fraction()).isEqualTo(1.0);
        assertThat(last.bytesDone()).isEqualTo(totalBytes(source));
        assertThat(progress).extracting(HubProgress::bytesDone).isSorted();
        assertThat(model.name()).isEqualTo(repo);
        assertThat(model.architecture()).isEqualTo("LlamaForCausalLM");
        assertThat(model.parameterCount()).isEqualTo(4 * 8 + 512 * 1024);
        assertThat(model.dtype()).isEqualTo("float32");
        assertThat(model.chatTemplate()).hasValueSatisfying(t -> assertThat(t).contains("<|user|>"));
        assertThat(model.team()).isPresent();
        assertThat(models.list(actor)).extracting(BaseModelSummary::id).contains(model.id());
        assertThat(models.list(user(Role.MEMBER))).extracting(BaseModelSummary::id).doesNotContain(model.id());
        assertNoPartialFolders();
    }

    @Test
    void anUnknownRepositoryFailsClearlyAndLeavesNoFolder() {
        String repo = "nobody/missing-" + UUID.randomUUID().toString().substring(0, 8);

        assertThatThrownBy(() -> importAndWait(new HubImportRequest(repo, "main", "")))
                .isInstanceOf(ModelException.class)
                .hasMessageContaining("No model " + repo + " at revision \"main\"")
                .hasMessageContaining("check the repository id");
        assertNothingKeptFor(repo);
    }

    @Test
    void aGatedRepositoryWithoutTokenAsksForHfToken() {
        assertThatThrownBy(() -> importAndWait(new HubImportRequest("gated/llama", "main", "gated-" + UUID.randomUUID())))
                .isInstanceOf(ModelException.class).hasMessageContaining("HTTP 401").hasMessageContaining("HF_TOKEN");
        assertNothingKeptFor("gated/llama");
    }

    @Test
    void aRepositoryWithoutSafetensorsIsRefusedBeforeAnyDownload() throws IOException {
        String repo = "old/pickles-" + UUID.randomUUID().toString().substring(0, 8);
        Files.writeString(source.resolve("config.json"), "{\"architectures\": [\"LlamaForCausalLM\"]}");
        HUB.publish(repo, source);

        assertThatThrownBy(() -> importAndWait(new HubImportRequest(repo, "main", "")))
                .isInstanceOf(ModelException.class).hasMessageContaining("has no *.safetensors weights");
        assertNothingKeptFor(repo);
    }

    @Test
    void aDownloadThatBreaksOffHalfwayFailsAndLeavesNothing() throws IOException {
        String repo = publishTinyModel();
        HUB.serve(repo, "model-00002-of-00002.safetensors", FakeHub.Serving.CUT_OFF_HALFWAY);

        assertThatThrownBy(() -> importAndWait(new HubImportRequest(repo, "main", "")))
                .isInstanceOf(ModelException.class).hasMessageContaining("model-00002-of-00002.safetensors")
                .hasMessageContaining("broke off");
        assertNothingKeptFor(repo);
        assertThat(models.list(user(Role.ADMIN))).extracting(BaseModelSummary::name).doesNotContain(repo);
    }

    @Test
    void cancellingAStalledDownloadStopsItAndLeavesNothing() throws Exception {
        String repo = publishTinyModel();
        HUB.serve(repo, "model-00002-of-00002.safetensors", FakeHub.Serving.STALL_HALFWAY);
        HubDownload download = hub.start(user(Role.MEMBER), new HubImportRequest(repo, "main", ""), p -> { });
        assertThat(HUB.stalled.await(30, TimeUnit.SECONDS)).as("the download reached the stalled file").isTrue();

        assertThat(download.cancel()).isTrue();

        assertThatThrownBy(() -> download.result().get(30, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(CancellationException.class);
        assertNothingKeptFor(repo);
    }

    @Test
    void aTakenNameOrAViewerIsRefusedAtOnce() throws Exception {
        String repo = publishTinyModel();
        Actor member = user(Role.MEMBER);
        BaseModelSummary first = importAndWait(member, new HubImportRequest(repo, "main", ""));

        assertThatThrownBy(() -> hub.start(member, new HubImportRequest(repo, "main", first.name()), p -> { }))
                .isInstanceOf(ModelException.class).hasMessageContaining("exists already");
        assertThatThrownBy(() -> hub.start(user(Role.VIEWER), new HubImportRequest(repo, "main", "other"), p -> { }))
                .isInstanceOf(AccessRefusedException.class);
    }

    @Test
    void malformedRepositoryIdsAndRevisionsAreRefusedWithTheExpectedForm() {
        assertThatThrownBy(() -> new HubImportRequest("../etc", "main", "")).isInstanceOf(ModelException.class)
                .hasMessageContaining("owner/name");
        assertThatThrownBy(() -> new HubImportRequest("a/b", "x/../../y", "")).isInstanceOf(ModelException.class)
                .hasMessageContaining("branch, tag or commit");
        assertThat(new HubImportRequest(" Qwen/Qwen3-0.6B ", " ", "").name()).isEqualTo("Qwen/Qwen3-0.6B");
        assertThat(new HubImportRequest("Qwen/Qwen3-0.6B", "refs/pr/1", "").name()).isEqualTo("Qwen/Qwen3-0.6B@refs/pr/1");
    }

    @Test
    void aStartingServerRemovesDownloadsAStoppedServerAbandonedButNotRunningOnes() throws IOException {
        Path abandoned = Files.createDirectories(home.models().resolve(".partial-abandoned-" + UUID.randomUUID()));
        Files.writeString(abandoned.resolve("model.safetensors"), "half");
        FileTime longAgo = FileTime.from(java.time.Instant.now().minus(java.time.Duration.ofDays(1)));
        Files.setLastModifiedTime(abandoned.resolve("model.safetensors"), longAgo);
        Files.setLastModifiedTime(abandoned, longAgo);
        Path running = Files.createDirectories(home.models().resolve(".partial-running-" + UUID.randomUUID()));

        new HubImportService(models, home, HUB.endpoint(), "");

        assertThat(abandoned).doesNotExist();
        assertThat(running).exists();
        Files.delete(running);
    }

    @Test
    void anUnreachableHubFailsTheImportWithTheReasonAndLeavesNothing() {
        HubImportService offline = new HubImportService(models, home, "http://127.0.0.1:9", "");
        HubDownload download = offline.start(user(Role.MEMBER), new HubImportRequest("Qwen/Qwen3-0.6B", "main",
                "offline-" + UUID.randomUUID()), p -> { });

        assertThatThrownBy(() -> download.result().get(30, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(ModelException.class)
                .hasMessageContaining("Cannot reach the Hugging Face Hub at http://127.0.0.1:9")
                .hasMessageContaining("HF_ENDPOINT");
        assertNothingKeptFor("Qwen/Qwen3-0.6B");
    }

    @Test
    void theStatusSaysWhetherTheHubAnswers() {
        assertThat(hub.status().reachable()).isTrue();

        HubStatus closedPort = new HubClient("http://127.0.0.1:1", Optional.empty()).probe();

        assertThat(closedPort.reachable()).isFalse();
        assertThat(closedPort.reason()).contains("Cannot reach the Hugging Face Hub at http://127.0.0.1:1");
    }

    private String publishTinyModel() throws IOException {
        return HUB.publishTinyLlama(source);
    }

    private BaseModelSummary importAndWait(HubImportRequest request) throws Exception {
        return importAndWait(user(Role.MEMBER), request);
    }

    private BaseModelSummary importAndWait(Actor actor, HubImportRequest request) throws Exception {
        try {
            return hub.start(actor, request, p -> { }).result().get(60, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw (Exception) e.getCause();
        }
    }

    private void assertNothingKeptFor(String repo) {
        String prefix = repo.replace("/", "--");
        assertThat(fileNames(TestHome.path().resolve("models"))).noneMatch(name -> name.startsWith(prefix));
        assertNoPartialFolders();
    }

    private static void assertNoPartialFolders() {
        assertThat(fileNames(TestHome.path().resolve("models"))).noneMatch(name -> name.startsWith(".partial-"));
    }

    private static List<String> fileNames(Path folder) {
        if (!Files.isDirectory(folder)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(folder)) {
            return files.map(f -> f.getFileName().toString()).toList();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static long totalBytes(Path folder) throws IOException {
        try (Stream<Path> files = Files.list(folder)) {
            return files.mapToLong(f -> f.toFile().length()).sum();
        }
    }

    private Actor user(Role role) {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        Team team = teams.save(new Team("team-" + suffix, 1));
        return Actor.of(accounts.createUser("user-" + suffix, "User", "a-long-password-1", role, team));
    }
}
