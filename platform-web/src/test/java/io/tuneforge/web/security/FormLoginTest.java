package io.tuneforge.web.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.tuneforge.core.team.Team;
import io.tuneforge.core.team.TeamRepository;
import io.tuneforge.core.user.Role;
import io.tuneforge.core.user.UserAccountService;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/** The real server: health is public, pages need a login, and the login form accepts a stored user. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class FormLoginTest {

    @LocalServerPort
    int port;

    @Autowired
    UserAccountService accounts;

    @Autowired
    TeamRepository teams;

    final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
            .cookieHandler(new java.net.CookieManager()).build();

    @Test
    void healthReportsTheDatabaseWithoutLogin() throws Exception {
        HttpResponse<String> health = get("/actuator/health");

        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(health.body()).contains("\"status\":\"UP\"").contains("\"db\"");
    }

    @Test
    void pagesRedirectAnonymousUsersToLogin() throws Exception {
        HttpResponse<String> jobs = get("/jobs");

        assertThat(jobs.statusCode()).isEqualTo(302);
        assertThat(jobs.headers().firstValue("Location")).hasValueSatisfying(l -> assertThat(l).endsWith("/login"));
    }

    @Test
    void loginFormAcceptsAStoredUserAndRejectsAWrongPassword() throws Exception {
        Team team = teams.save(new Team("form-" + UUID.randomUUID().toString().substring(0, 6), 1));
        String username = "former-" + UUID.randomUUID().toString().substring(0, 6);
        accounts.createUser(username, "Form", "form-password-123", Role.MEMBER, team);
        String csrf = csrfTokenOfLoginPage();

        HttpResponse<String> bad = postLogin(username, "nope-nope-nope", csrf);
        HttpResponse<String> good = postLogin(username, "form-password-123", csrfTokenOfLoginPage());

        assertThat(bad.headers().firstValue("Location")).hasValueSatisfying(l -> assertThat(l).contains("error"));
        assertThat(good.statusCode()).isEqualTo(302);
        assertThat(good.headers().firstValue("Location")).hasValueSatisfying(l -> assertThat(l).doesNotContain("error"));
    }

    private String csrfTokenOfLoginPage() throws Exception {
        String page = get("/login").body();
        var matcher = java.util.regex.Pattern.compile("csrfToken\":\"([^\"]+)\"|name=\"_csrf\" content=\"([^\"]+)\"")
                .matcher(page);
        return matcher.find() ? (matcher.group(1) != null ? matcher.group(1) : matcher.group(2)) : "";
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> postLogin(String username, String password, String csrf) throws Exception {
        String form = "username=" + username + "&password=" + password + "&_csrf=" + csrf;
        return http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/login"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
