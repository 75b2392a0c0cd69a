package io.tuneforge.web.security;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import io.tuneforge.core.team.Team;
import io.tuneforge.core.team.TeamRepository;
import io.tuneforge.core.user.Role;
import io.tuneforge.core.user.UserAccountService;
import io.tuneforge.web.TuneForgeApplication;
import java.net.HttpCookie;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * A restart loses the in-memory HTTP sessions; the sign-in survives through its remember-me cookie: a cookie issued
 * by one app authenticates in a second app started on the same database, and a forged cookie does not.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class SignInSurvivesRestartTest {

    @LocalServerPort
    int port;

    @Autowired
    UserAccountService accounts;

    @Autowired
    TeamRepository teams;

    @Autowired
    DataSource dataSource;

    @Test
    void aSignInFromOneAppIsAcceptedByASecondAppOnTheSameDatabase() throws Exception {
        Team team = teams.save(new Team("restart-" + UUID.randomUUID().toString().substring(0, 6), 1));
        String username = "restarter-" + UUID.randomUUID().toString().substring(0, 6);
        accounts.createUser(username, "Restart", "restart-password-1", Role.MEMBER, team);
        HttpCookie remembered = signIn(port, username, "restart-password-1");

        try (ConfigurableApplicationContext second = startSecondApp()) {
            int secondPort = ((WebServerApplicationContext) second).getWebServer().getPort();

            HttpResponse<String> withCookie = get(secondPort, "/jobs", remembered.getName() + "=" + remembered.getValue());
            HttpResponse<String> withoutCookie = get(secondPort, "/jobs", null);
            HttpResponse<String> forged = get(secondPort, "/jobs", remembered.getName() + "=" + forge(remembered));

            assertThat(withCookie.statusCode()).isEqualTo(200);
            assertThat(withoutCookie.statusCode()).isEqualTo(302);
            assertThat(forged.statusCode()).isEqualTo(302);
        }
    }

    /** The same application with its own server and in-memory sessions, on this test's database. */
    private ConfigurableApplicationContext startSecondApp() throws java.sql.SQLException {
        HikariDataSource hikari = dataSource.unwrap(HikariDataSource.class);
        return new SpringApplicationBuilder(TuneForgeApplication.class).properties(
                "server.port=0",
                "spring.datasource.url=" + hikari.getJdbcUrl(),
                "spring.datasource.username=" + hikari.getUsername(),
                "spring.datasource.password=" + (hikari.getPassword() == null ? "" : hikari.getPassword()),
                "tuneforge.worker.embedded=false",
                "tuneforge.hub.endpoint=http://127.0.0.1:9")
                .run();
    }

    /** Signs in with the login form; returns the remember-me cookie the answer set. */
    private static HttpCookie signIn(int port, String username, String password) throws Exception {
        java.net.CookieManager cookies = new java.net.CookieManager();
        HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).cookieHandler(cookies)
                .build();
        String page = http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/login")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        Matcher csrf = Pattern.compile("csrfToken\":\"([^\"]+)\"|name=\"_csrf\" content=\"([^\"]+)\"").matcher(page);
        String token = csrf.find() ? (csrf.group(1) != null ? csrf.group(1) : csrf.group(2)) : "";
        HttpResponse<String> login = http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/login"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("username=" + username + "&password=" + password
                        + "&_csrf=" + token)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(login.statusCode()).isEqualTo(302);
        List<HttpCookie> remember = cookies.getCookieStore().getCookies().stream()
                .filter(c -> c.getName().equals("remember-me")).toList();
        assertThat(remember).as("the sign-in sets a remember-me cookie").hasSize(1);
        return remember.getFirst();
    }

    /** The cookie with its signature's last character changed. */
    private static String forge(HttpCookie cookie) {
        String decoded = new String(java.util.Base64.getDecoder().decode(cookie.getValue()));
        char last = decoded.charAt(decoded.length() - 1);
        String tampered = decoded.substring(0, decoded.length() - 1) + (last == 'a' ? 'b' : 'a');
        return java.util.Base64.getEncoder().withoutPadding().encodeToString(tampered.getBytes());
    }

    private static HttpResponse<String> get(int port, String path, String cookie) throws Exception {
        HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + path));
        if (cookie != null) {
            request.header("Cookie", cookie);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
