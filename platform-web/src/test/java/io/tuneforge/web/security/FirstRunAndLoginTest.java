package io.tuneforge.web.security;

import static org.assertj.core.api.Assertions.assertThat;

import com.vaadin.browserless.SpringBrowserlessTest;
import com.vaadin.flow.component.sidenav.SideNavItem;
import io.tuneforge.core.team.Team;
import io.tuneforge.core.team.TeamRepository;
import io.tuneforge.core.user.Role;
import io.tuneforge.core.user.UserAccountService;
import io.tuneforge.web.dashboard.DashboardView;
import io.tuneforge.web.layout.MainLayout;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.security.authentication.AuthenticationManager;
import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.config.annotation.authentication.configuration.AuthenticationConfiguration;
import org.springframework.security.core.context.SecurityContextHolder;

/** First-run setup, then a real password login, then the layout with its sections — without a browser. */
@SpringBootTest
class FirstRunAndLoginTest extends SpringBrowserlessTest {

    @Autowired
    UserAccountService accounts;

    @Autowired
    TeamRepository teams;

    @Autowired
    JdbcTemplate jdbc;

    @Autowired
    AuthenticationConfiguration authenticationConfiguration;

    List<Long> demotedAdmins = List.of();

    @AfterEach
    void restoreAdministrators() {
        demotedAdmins.forEach(id -> jdbc.update("update users set role = 'ADMIN' where id = ?", id));
        SecurityContextHolder.clearContext();
    }

    @Test
    void setupSignsTheNewAdministratorIn() {
        pretendNoAdministratorExists();
        SecurityContextHolder.clearContext();

        SetupView setup = navigate(SetupView.class);
        String username = "admin-" + UUID.randomUUID().toString().substring(0, 6);
        test(setup.username).setValue(username);
        test(setup.password).setValue("a-strong-password-42");
        test(setup.confirm).setValue("a-strong-password-42");
        test(setup.create).click();

        var signedIn = SecurityContextHolder.getContext().getAuthentication();
        assertThat(signedIn).isNotNull();
        assertThat(signedIn.isAuthenticated()).isTrue();
        assertThat(signedIn.getName()).isEqualTo(username);
        assertThat(signedIn.getAuthorities()).extracting(Object::toString).contains("ROLE_ADMIN");
        navigate(DashboardView.class);
        assertThat(sectionTitles()).contains("Admin");
    }

    @Test
    void freshInstallationShowsSetupAndTheCreatedAdministratorCanLogIn() throws Exception {
        pretendNoAdministratorExists();
        assertThat(accounts.needsFirstRunSetup()).isTrue();

        SetupView setup = navigate(SetupView.class);
        String username = "admin-" + UUID.randomUUID().toString().substring(0, 6);
        test(setup.username).setValue(username);
        test(setup.displayName).setValue("First Admin");
        test(setup.team).setValue("Platform team");
        test(setup.password).setValue("a-strong-password-42");
        test(setup.confirm).setValue("a-strong-password-42");
        test(setup.create).click();

        assertThat(accounts.needsFirstRunSetup()).isFalse();
        logIn(username, "a-strong-password-42");
        navigate(DashboardView.class);
        assertThat(sectionTitles()).containsExactly("Dashboard", "Datasets", "Models", "Jobs", "Compare",
                "Playground", "Evaluate", "Admin", "API tokens");
    }

    @Test
    void setupRefusesDifferentPasswords() {
        pretendNoAdministratorExists();

        SetupView setup = navigate(SetupView.class);
        test(setup.username).setValue("someone");
        test(setup.password).setValue("a-strong-password-42");
        test(setup.confirm).setValue("another-password-43");
        test(setup.create).click();

        assertThat(setup.error.getText()).isEqualTo("The two passwords differ.");
        assertThat(accounts.needsFirstRunSetup()).isTrue();
    }

    @Test
    void memberSeesEverySectionButAdmin() throws Exception {
        Team team = teams.save(new Team("members-" + UUID.randomUUID().toString().substring(0, 6), 1));
        String username = "member-" + UUID.randomUUID().toString().substring(0, 6);
        accounts.createUser(username, "Member", "member-password-1", Role.MEMBER, team);

        logIn(username, "member-password-1");
        navigate(DashboardView.class);

        assertThat(sectionTitles()).containsExactly("Dashboard", "Datasets", "Models",
                "Jobs", "Compare", "Playground", "Evaluate", "API tokens");
    }

    @Test
    void wrongPasswordIsRejected() throws Exception {
        Team team = teams.save(new Team("wrong-" + UUID.randomUUID().toString().substring(0, 6), 1));
        String username = "victim-" + UUID.randomUUID().toString().substring(0, 6);
        accounts.createUser(username, "Victim", "the-right-password", Role.MEMBER, team);

        org.assertj.core.api.Assertions.assertThatThrownBy(() -> logIn(username, "the-wrong-password"))
                .isInstanceOf(BadCredentialsException.class);
    }

    private void pretendNoAdministratorExists() {
        demotedAdmins = jdbc.queryForList("select id from users where role = 'ADMIN'", Long.class);
        demotedAdmins.forEach(id -> jdbc.update("update users set role = 'MEMBER' where id = ?", id));
    }

    /** Authenticates with the application's real authentication manager (password checked against the hash). */
    private void logIn(String username, String password) throws Exception {
        AuthenticationManager manager = authenticationConfiguration.getAuthenticationManager();
        var authentication = manager.authenticate(new UsernamePasswordAuthenticationToken(username, password));
        SecurityContextHolder.getContext().setAuthentication(authentication);
    }

    /** The side navigation of the layout the signed-in user sees. */
    private List<String> sectionTitles() {
        assertThat($(MainLayout.class).exists()).isTrue();
        return $(SideNavItem.class).all().stream().map(SideNavItem::getLabel).toList();
    }
}
