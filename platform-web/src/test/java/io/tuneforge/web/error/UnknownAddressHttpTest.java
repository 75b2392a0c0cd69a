package io.tuneforge.web.error;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * Addresses no view answers reach the app (whose router shows the one "not found" page; the browser test checks the
 * page itself) instead of Spring Security's bare 403 from Vaadin's default {@code denyAll}, while the views still send
 * a guest to the login page.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class UnknownAddressHttpTest {

    @LocalServerPort
    int port;

    private final HttpClient http = HttpClient.newHttpClient();

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                .header("Accept", "text/html").build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void anUnknownAddressIsAnsweredByTheAppNotRefusedByTheSecurityFilter() throws Exception {
        for (String path : new String[] {"/nothing-here", "/a/b/c", "/notes.txt"}) {
            HttpResponse<String> response = get(path);

            assertThat(response.statusCode()).as(path).isNotEqualTo(403).isLessThan(300);
            assertThat(response.body()).as(path).contains("<html").doesNotContainIgnoringCase("forbidden");
        }
    }

    @Test
    void theViewsAndTheActuatorStillSendAGuestToTheLoginPage() throws Exception {
        for (String path : new String[] {"/datasets", "/admin", "/jobs/5", "/actuator/info"}) {
            HttpResponse<String> response = get(path);

            assertThat(response.statusCode()).as(path).isEqualTo(302);
            assertThat(response.headers().firstValue("location")).as(path).hasValueSatisfying(
                    location -> assertThat(location).endsWith("/login"));
        }
    }
}
