package io.tuneforge.web.dataset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.vaadin.browserless.SpringBrowserlessTest;
import io.tuneforge.core.dataset.DatasetFormat;
import io.tuneforge.core.dataset.DatasetSummary;
import io.tuneforge.core.dataset.DatasetVersion;
import io.tuneforge.core.team.TeamRepository;
import io.tuneforge.core.user.Role;
import io.tuneforge.core.user.UserAccountService;
import io.tuneforge.web.testing.SignedIn;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

@SpringBootTest
class DatasetsViewTest extends SpringBrowserlessTest {

    @Autowired
    UserAccountService accounts;

    @Autowired
    TeamRepository teams;

    @BeforeEach
    void signIn() {
        SignedIn.as(Role.MEMBER, accounts, teams);
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
    void brokenRowsAppearInTheValidationReportWithRowAndField() {
        DatasetsView view = navigate(DatasetsView.class);
        test(view.name).setValue("broken");

        test(view.upload).upload("broken.jsonl", "application/json", """
                {"instruction": "fine", "output": "ok"}
                {"instruction": "no answer"}
                """.getBytes(StandardCharsets.UTF_8));
        roundTrip();
        test(view.grid).select(0);

        assertThat(test(view.grid).getRow(0).status()).isEqualTo(DatasetVersion.Status.INVALID);
        assertThat(test(view.details.problems).size()).isEqualTo(1);
        assertThat(test(view.details.problems).getCellText(0, 0)).isEqualTo("2");
        assertThat(test(view.details.problems).getCellText(0, 1)).isEqualTo("output");
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

    static Path fixture(String relative) {
        String fixtures = System.getProperty("tuneforge.fixtures");
        assumeTrue(fixtures != null && Files.exists(Path.of(fixtures, relative)), "fixtures absent: " + relative);
        return Path.of(fixtures, relative);
    }
}
