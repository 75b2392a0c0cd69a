package io.tuneforge.web.dataset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.vaadin.browserless.SpringBrowserlessTest;
import com.vaadin.flow.component.Component;
import com.vaadin.flow.component.UI;
import com.vaadin.flow.component.html.Div;
import com.vaadin.flow.component.html.Span;
import com.vaadin.flow.component.notification.Notification;
import io.tuneforge.shared.dataset.DatasetFormat;
import io.tuneforge.core.dataset.DatasetSummary;
import io.tuneforge.core.dataset.DatasetVersion;
import io.tuneforge.core.model.BaseModelService;
import io.tuneforge.core.model.BaseModelSummary;
import io.tuneforge.core.team.TeamRepository;
import io.tuneforge.core.user.Actor;
import io.tuneforge.core.user.Role;
import io.tuneforge.core.user.UserAccountService;
import io.tuneforge.web.job.NewJobView;
import io.tuneforge.web.testing.SignedIn;
import io.tuneforge.web.testing.Workspace;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

@SpringBootTest
class DatasetsViewTest extends SpringBrowserlessTest {

    @Autowired
    UserAccountService accounts;

    @Autowired
    TeamRepository teams;

    @Autowired
    BaseModelService models;

    Actor actor;

    @BeforeEach
    void signIn() {
        actor = SignedIn.as(Role.MEMBER, accounts, teams);
    }

    @AfterEach
    void signOut() {
        SignedIn.signOut();
    }

    @Test
    void uploadingLlamaFactoryIdentityDetectsAlpacaAndShowsAValidPreview() throws Exception {
        Path identity = fixture("datasets/llama_factory/identity.json");
        DatasetsView view = navigate(DatasetsView.class);

        test(view.upload).upload("identity.json", "application/json", Files.readAllBytes(identity));
        roundTrip();

        assertThat(test(view.grid).size()).isEqualTo(1);
        DatasetSummary row = test(view.grid).getRow(0);
        assertThat(row.name()).isEqualTo("identity");
        assertThat(row.format()).isEqualTo(DatasetFormat.ALPACA);
        assertThat(row.status()).isEqualTo(DatasetVersion.Status.VALID);
        assertThat(row.rows()).isEqualTo(91);

        test(view.grid).select(0);
        assertThat(view.details.isVisible()).isTrue();
        assertThat(test(view.details.problems).size()).isZero();
        // the preview sits in a tab that is not rendered until chosen: read its grid's items and columns directly
        assertThat(view.details.preview.getGenericDataView().getItems()).hasSize(DatasetDetails.PREVIEW_ROWS);
        assertThat(view.details.preview.getColumns()).extracting(c -> c.getHeaderText())
                .containsExactly("Row", "instruction", "input", "output");
    }

    @Test
    void aParquetFileIsAcceptedByTheUploadAndStoredAsAValidVersionWithItsPreview() throws Exception {
        byte[] parquet = Files.readAllBytes(Path.of(DatasetsViewTest.class.getResource("/parquet/alpaca-snappy.parquet")
                .toURI()));
        DatasetsView view = navigate(DatasetsView.class);

        assertThat(view.upload.getAcceptedFileTypes()).contains(".parquet");
        test(view.upload).upload("alpaca.parquet", "application/vnd.apache.parquet", parquet);
        roundTrip();

        DatasetSummary row = test(view.grid).getRow(0);
        assertThat(row.name()).isEqualTo("alpaca");
        assertThat(row.format()).isEqualTo(DatasetFormat.ALPACA);
        assertThat(row.status()).isEqualTo(DatasetVersion.Status.VALID);
        assertThat(row.rows()).isEqualTo(5);
        test(view.grid).select(0);
        assertThat(view.details.preview.getGenericDataView().getItems()).hasSize(5);
        assertThat(view.details.preview.getColumns()).extracting(c -> c.getHeaderText())
                .containsExactly("Row", "instruction", "input", "output");
    }

    private static final byte[] BROKEN = """
            {"instruction": "fine", "output": "ok"}
            {"instruction": "no answer"}
            """.getBytes(StandardCharsets.UTF_8);

    @Test
    void aFileWithBrokenRowsIsRefusedWholeShowingItsReportWithRowAndField() {
        DatasetsView view = navigate(DatasetsView.class);
        test(view.name).setValue("broken");

        test(view.upload).upload("broken.jsonl", "application/json", BROKEN);
        roundTrip();

        assertThat(test(view.grid).size()).isZero();
        assertThat(view.uploadReport.isVisible()).isTrue();
        assertThat(texts(view.uploadReport)).anySatisfy(t -> assertThat(t).contains("broken.jsonl was not stored"))
                .anySatisfy(t -> assertThat(t).startsWith("broken.jsonl, row 2, output: "))
                .anySatisfy(t -> assertThat(t).contains("Keep only the valid rows"));
    }

    @Test
    void keepingOnlyTheValidRowsStoresThemAndSaysHowManyWereDropped() {
        DatasetsView view = navigate(DatasetsView.class);
        test(view.name).setValue("kept");
        assertThat(view.keepValidRows.isVisible()).isTrue();
        test(view.keepValidRows).click();

        test(view.upload).upload("broken.jsonl", "application/json", BROKEN);
        roundTrip();

        assertThat(view.uploadReport.isVisible()).isFalse();
        assertThat(test(view.grid).size()).isEqualTo(1);
        assertThat(test(view.grid).getRow(0).status()).isEqualTo(DatasetVersion.Status.VALID);
        assertThat(test(view.grid).getRow(0).rows()).isEqualTo(1);
        assertThat($(Notification.class).all()).anySatisfy(n -> assertThat(test(n).getText())
                .contains("1 invalid row dropped"));
    }

    private static final byte[] QUESTIONS = """
            {"question": "Capital of France?", "answer": "Paris"}
            {"question": "2 + 2?", "answer": "4"}
            """.getBytes(StandardCharsets.UTF_8);

    @Test
    void aPromptAnswerFileGetsASuggestedMappingAndIsStoredWithItOnTheNextUpload() {
        DatasetsView view = navigate(DatasetsView.class);
        test(view.name).setValue("qa");

        test(view.upload).upload("qa.jsonl", "application/json", QUESTIONS);
        roundTrip();

        assertThat(test(view.grid).size()).isZero();
        assertThat(view.columns.getValue()).isEqualTo("{\"prompt\":\"question\",\"response\":\"answer\"}");
        assertThat(texts(view.uploadReport)).anySatisfy(t -> assertThat(t).contains("Suggested column mapping"));

        test(view.name).setValue("qa");
        test(view.upload).upload("qa.jsonl", "application/json", QUESTIONS);
        roundTrip();

        assertThat(test(view.grid).size()).isEqualTo(1);
        DatasetSummary row = test(view.grid).getRow(0);
        assertThat(row.format()).isEqualTo(DatasetFormat.ALPACA);
        assertThat(row.status()).isEqualTo(DatasetVersion.Status.VALID);
        assertThat(row.rows()).isEqualTo(2);
        assertThat($(Notification.class).all()).anySatisfy(n -> assertThat(test(n).getText())
                .contains("qa v1 stored: 2 rows, 0 problems, columns prompt → question, response → answer"));
        test(view.grid).select(0);
        assertThat(view.details.summary.getText()).contains("columns prompt → question, response → answer");
    }

    private static final byte[] GOOD = """
            {"instruction": "Say hi", "output": "Hi!"}
            """.getBytes(StandardCharsets.UTF_8);
    private static final byte[] TRUNCATED = """
            {"instruction": "Say hi", "output": "Hi!"}
            {"instruction": "Say bye", "outp""".getBytes(StandardCharsets.UTF_8);

    @Test
    void aTruncatedNewVersionIsRefusedAndThePreviousVersionStaysCurrent() {
        DatasetsView view = navigate(DatasetsView.class);
        test(view.name).setValue("greetings");
        test(view.upload).upload("greetings.jsonl", "application/json", GOOD);
        roundTrip();
        assertThat(view.name.getValue()).as("the name is not kept for the next upload").isEmpty();

        test(view.target).selectItem(DatasetsView.NEW_VERSION);
        assertThat(view.existing.isVisible()).isTrue();
        assertThat(view.name.isVisible()).isFalse();
        test(view.existing).selectItem("greetings");
        test(view.upload).upload("greetings-v2.jsonl", "application/json", TRUNCATED);
        roundTrip();

        assertThat(texts(view.uploadReport)).first().asString().contains("greetings-v2.jsonl was not stored");
        assertThat(test(view.grid).size()).isEqualTo(1);
        assertThat(test(view.grid).getRow(0).latestVersion()).isEqualTo(1);
        assertThat(test(view.grid).getRow(0).status()).isEqualTo(DatasetVersion.Status.VALID);
    }

    @Test
    void aNewDatasetWithATakenNameIsRefusedInsteadOfBecomingAVersion() {
        DatasetsView view = navigate(DatasetsView.class);
        test(view.upload).upload("greetings.jsonl", "application/json", GOOD);
        roundTrip();

        test(view.upload).upload("greetings.jsonl", "application/json",
                "{\"instruction\": \"x\", \"output\": \"y\"}\n".getBytes(StandardCharsets.UTF_8));
        roundTrip();

        assertThat(test(view.grid).getRow(0).latestVersion()).isEqualTo(1);
        assertThat($(Notification.class).all()).anySatisfy(n -> assertThat(test(n).getText())
                .contains("'greetings' already exists", DatasetsView.NEW_VERSION));
    }

    @Test
    void filesRefusedByTheBrowserSayWhyWithoutStrayPunctuation() {
        String wrongType = DatasetsView.refusal("notes.pdf", DatasetsView.WRONG_TYPE, 2L << 30);
        String tooBig = DatasetsView.refusal("big.jsonl", DatasetsView.TOO_BIG, 2L << 30);

        assertThat(wrongType).isEqualTo("notes.pdf was refused: upload JSON Lines (.jsonl), JSON (.json), "
                + "Parquet (.parquet), CSV (.csv) or plain text (.txt)");
        assertThat(tooBig).startsWith("big.jsonl was refused: it is larger than the upload limit of 2")
                .endsWith("(tuneforge.datasets.max-upload-bytes)");
        assertThat(List.of(wrongType, tooBig)).noneMatch(m -> m.contains(".."));
    }

    private static List<String> texts(Component root) {
        return descendants(root).filter(c -> c instanceof Span || c instanceof com.vaadin.flow.component.html.H3)
                .map(c -> c.getElement().getText()).toList();
    }

    @Test
    void formatOverrideReadsTheVersionAgain() {
        DatasetsView view = navigate(DatasetsView.class);
        test(view.upload).upload("texts.jsonl", "application/json",
                "{\"text\": \"once upon a time\"}\n".getBytes(StandardCharsets.UTF_8));
        roundTrip();
        test(view.grid).select(0);
        assertThat(view.details.format.getValue()).isEqualTo(DatasetFormat.TEXT);

        test(view.details.format).selectItem("alpaca");
        test(view.details.reread).click();

        assertThat(test(view.grid).getRow(0).format()).isEqualTo(DatasetFormat.ALPACA);
        assertThat(test(view.grid).getRow(0).status()).isEqualTo(DatasetVersion.Status.INVALID);
    }

    @Test
    void choosingABaseModelShowsTheTrainingTextWithTrainedSpansHighlightedAndAHistogram() throws Exception {
        Path identity = fixture("datasets/llama_factory/identity.json");
        BaseModelSummary stories = Workspace.stories(models, actor);
        DatasetsView view = uploadedAndSelected("identity.json", Files.readAllBytes(identity));
        TrainingTextPanel panel = view.details.trainingText;
        openTab(view, "Training text");

        test(panel.model).selectItem(stories.name());
        test(panel.template).selectItem("llama2");
        test(panel.cutoff).setValue(32);
        test(panel.render).click();

        JsonNode rows = JsonMapper.builder().build().readTree(identity.toFile());
        List<Component> sampleBoxes = panel.samples.getChildren().toList();
        assertThat(sampleBoxes).hasSize(TrainingTextPanel.SAMPLES);
        for (int i = 0; i < sampleBoxes.size(); i++) {
            List<String> trained = spans(sampleBoxes.get(i), true);
            String untrained = String.join("", spans(sampleBoxes.get(i), false));
            assertThat(trained).as("trained text of sample %d", i)
                    .containsExactly(rows.get(i).get("output").asString() + "</s>");
            assertThat(untrained).contains(rows.get(i).get("instruction").asString()).contains("[INST]");
        }
        List<Component> bars = panel.histogram.getChildren()
                .filter(c -> c.getClassNames().contains(TrainingTextPanel.BAR)).toList();
        assertThat(bars).isNotEmpty();
        assertThat(bars.stream().mapToLong(b -> Long.parseLong(b.getElement().getAttribute("data-count"))).sum())
                .isEqualTo(91);
        assertThat(panel.statistics.getText()).startsWith("91 rows").contains("truncated at the cutoff of 32");
    }

    @Test
    void trainingTextShowsMarkupInTheDataAsText() {
        BaseModelSummary stories = Workspace.stories(models, actor);
        DatasetsView view = uploadedAndSelected("markup.jsonl",
                "{\"instruction\": \"<b>bold?</b>\", \"output\": \"<script>alert(1)</script>\"}\n"
                        .getBytes(StandardCharsets.UTF_8));
        TrainingTextPanel panel = view.details.trainingText;
        openTab(view, "Training text");

        test(panel.model).selectItem(stories.name());
        test(panel.template).selectItem("alpaca");
        test(panel.render).click();

        Component sample = panel.samples.getChildren().findFirst().orElseThrow();
        assertThat(spans(sample, true)).containsExactly("<script>alert(1)</script></s>");
        assertThat(String.join("", spans(sample, false))).contains("<b>bold?</b>");
        assertThat(descendants(sample).noneMatch(c -> c.getElement().getTag().equals("script"))).isTrue();
    }

    @Test
    void aModelWithoutChatTemplateRendersWithItsFamilysOrDefault() {
        BaseModelSummary stories = Workspace.stories(models, actor);
        DatasetsView view = uploadedAndSelected("texts.jsonl",
                "{\"instruction\": \"hi\", \"output\": \"hello\"}\n".getBytes(StandardCharsets.UTF_8));
        TrainingTextPanel panel = view.details.trainingText;
        openTab(view, "Training text");

        test(panel.model).selectItem(stories.name());
        test(panel.render).click();

        assertThat(panel.samples.getChildren()).isNotEmpty();
    }

    @Test
    void splitSettingsShowTheTrainAndValidationRowsAndOpenANewJobWithThem() throws Exception {
        Path identity = fixture("datasets/llama_factory/identity.json");
        DatasetsView view = uploadedAndSelected("identity.json", Files.readAllBytes(identity));
        SplitPanel split = view.details.split;
        openTab(view, "Split");

        test(split.compute).click();
        assertThat(split.result.getText()).startsWith("73 training rows · 18 validation rows (of 91 valid rows");

        test(split.valSize).setValue(10.0);
        test(split.seed).setValue(7);
        test(split.compute).click();
        assertThat(split.result.getText()).startsWith("81 training rows · 10 validation rows");

        test(split.newJob).click();
        assertThat(getCurrentView()).isInstanceOf(NewJobView.class);
        assertThat(UI.getCurrent().getInternals().getActiveViewLocation().getQueryParameters().getParameters())
                .containsEntry("val_size", List.of("10")).containsEntry("seed", List.of("7"))
                .containsEntry("dataset", List.of(Long.toString(test(view.grid).getRow(0).versionId())));
    }

    private DatasetsView uploadedAndSelected(String fileName, byte[] content) {
        DatasetsView view = navigate(DatasetsView.class);
        test(view.upload).upload(fileName, "application/json", content);
        roundTrip();
        test(view.grid).select(0);
        return view;
    }

    private void openTab(DatasetsView view, String tab) {
        test(view.details.tabs).select(tab);
        roundTrip();
    }

    /** The texts of the highlighted (trained) or plain spans of a rendered sample, in order. */
    private static List<String> spans(Component sample, boolean trained) {
        return descendants(sample).filter(c -> c instanceof Span && c.getChildren().findAny().isEmpty())
                .filter(c -> c.getParent().map(p -> p instanceof Div).orElse(false))
                .filter(c -> c.getClassNames().contains(TrainingTextPanel.TRAINED) == trained)
                .map(c -> ((Span) c).getText()).toList();
    }

    private static Stream<Component> descendants(Component root) {
        return Stream.concat(Stream.of(root), root.getChildren().flatMap(DatasetsViewTest::descendants));
    }

    static Path fixture(String relative) {
        String fixtures = System.getProperty("tuneforge.fixtures");
        assumeTrue(fixtures != null && Files.exists(Path.of(fixtures, relative)), "fixtures absent: " + relative);
        return Path.of(fixtures, relative);
    }
}
