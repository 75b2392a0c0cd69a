package io.tuneforge.web.dataset;

import static org.assertj.core.api.Assertions.assertThat;

import com.vaadin.browserless.SpringBrowserlessTest;
import com.vaadin.flow.component.notification.Notification;
import io.tuneforge.core.team.TeamRepository;
import io.tuneforge.core.user.Role;
import io.tuneforge.core.user.UserAccountService;
import io.tuneforge.web.testing.SignedIn;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

/** The upload limit comes from {@code tuneforge.datasets.max-upload-bytes}. */
@SpringBootTest(properties = "tuneforge.datasets.max-upload-bytes=64")
class DatasetUploadLimitTest extends SpringBrowserlessTest {

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
    void aFileOverTheConfiguredLimitIsRefusedAndNothingIsStored() {
        DatasetsView view = navigate(DatasetsView.class);
        assertThat(view.keepValidRows.getHelperText()).contains("up to 64 B");

        test(view.upload).upload("big.jsonl", "application/json",
                "{\"text\": \"once upon a time there was a file longer than sixty-four bytes\"}\n"
                        .getBytes(StandardCharsets.UTF_8));
        roundTrip();

        assertThat(test(view.grid).size()).isZero();
        assertThat(test($(Notification.class).last()).getText()).contains("big.jsonl").contains("64");
    }

    @Test
    void aFileWithinTheLimitIsStored() {
        DatasetsView view = navigate(DatasetsView.class);

        test(view.upload).upload("small.jsonl", "application/json",
                "{\"text\": \"once\"}\n".getBytes(StandardCharsets.UTF_8));
        roundTrip();

        assertThat(test(view.grid).size()).isEqualTo(1);
    }
}
