package io.tuneforge.web.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.vaadin.browserless.SpringBrowserlessTest;
import io.tuneforge.core.team.TeamRepository;
import io.tuneforge.core.user.Role;
import io.tuneforge.core.user.UserAccountService;
import io.tuneforge.web.testing.SignedIn;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

@SpringBootTest
class ModelsViewTest extends SpringBrowserlessTest {

    @Autowired
    UserAccountService accounts;

    @Autowired
    TeamRepository teams;

    @AfterEach
    void signOut() {
        SignedIn.signOut();
    }

    @Test
    void registersAModelFolderAndShowsItsArchitectureParametersAndDtype() {
        String fixtures = System.getProperty("tuneforge.fixtures");
        assumeTrue(fixtures != null && Files.isDirectory(Path.of(fixtures, "models/stories260K")), "fixtures absent");
        SignedIn.as(Role.MEMBER, accounts, teams);
        ModelsView view = navigate(ModelsView.class);
        String name = "stories-" + System.nanoTime();

        test(view.name).setValue(name);
        test(view.path).setValue(fixtures + "/models/stories260K");
        test(view.register).click();

        assertThat(test(view.grid).size()).isEqualTo(1);
        assertThat(test(view.grid).getCellText(0, 0)).isEqualTo(name);
        assertThat(test(view.grid).getCellText(0, 1)).isEqualTo("LlamaForCausalLM");
        assertThat(test(view.grid).getCellText(0, 2)).endsWith("K");
        assertThat(test(view.grid).getCellText(0, 3)).isEqualTo("float32");
        assertThat(view.shared.isVisible()).as("members cannot share with all teams").isFalse();
    }

    @Test
    void aFolderOutsideTheAllowedRootsIsRefusedWithTheReason() {
        SignedIn.as(Role.MEMBER, accounts, teams);
        ModelsView view = navigate(ModelsView.class);

        test(view.name).setValue("etc");
        test(view.path).setValue("/etc");
        test(view.register).click();

        assertThat(test(view.grid).size()).isZero();
    }
}
