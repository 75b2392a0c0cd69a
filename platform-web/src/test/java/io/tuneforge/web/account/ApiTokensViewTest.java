package io.tuneforge.web.account;

import static org.assertj.core.api.Assertions.assertThat;

import com.vaadin.browserless.SpringBrowserlessTest;
import io.tuneforge.core.team.TeamRepository;
import io.tuneforge.core.user.Actor;
import io.tuneforge.core.user.Role;
import io.tuneforge.core.user.UserAccountService;
import io.tuneforge.web.api.ApiTokenService;
import io.tuneforge.web.testing.SignedIn;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

@SpringBootTest
class ApiTokensViewTest extends SpringBrowserlessTest {

    @Autowired
    UserAccountService accounts;

    @Autowired
    TeamRepository teams;

    @Autowired
    ApiTokenService tokens;

    @AfterEach
    void signOut() {
        SignedIn.signOut();
    }

    @Test
    void createdTokenIsShownOnceAuthenticatesAsMeAndStopsWorkingWhenRevoked() {
        Actor me = SignedIn.as(Role.MEMBER, accounts, teams);
        ApiTokensView view = navigate(ApiTokensView.class);

        test(view.name).setValue("ci-pipeline");
        test(view.validDays).setValue(30);
        test(view.create).click();

        String secret = view.secret.getValue();
        assertThat(view.secret.isVisible()).isTrue();
        assertThat(secret).startsWith(ApiTokenService.PREFIX);
        assertThat(tokens.authenticate(secret)).contains(me.username());
        assertThat(test(view.tokens).size()).isEqualTo(1);
        assertThat(test(view.tokens).getCellText(0, 0)).isEqualTo("ci-pipeline");
        assertThat(test(view.tokens).getCellText(0, 2)).isEqualTo("never");

        long id = tokens.list(me).getFirst().id();
        assertThat(tokens.revoke(me, id)).isTrue();
        assertThat(tokens.authenticate(secret)).isEmpty();
    }

    @Test
    void aTokenNeedsAName() {
        SignedIn.as(Role.MEMBER, accounts, teams);
        ApiTokensView view = navigate(ApiTokensView.class);

        test(view.create).click();

        assertThat(view.secret.isVisible()).isFalse();
        assertThat(test(view.tokens).size()).isZero();
    }
}
