package io.tuneforge.core.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** Webhook URLs reach public addresses only, at registration and again, after resolving, at delivery. */
class WebhookUrlPolicyTest {

    private final Map<String, String> dns = new ConcurrentHashMap<>(Map.of(
            "hooks.example.com", "93.184.216.34",
            "internal.example.com", "10.1.2.3",
            "rebind.example.com", "93.184.216.34"));

    private final HostResolver resolver = host -> {
        String address = dns.get(host);
        if (address != null) {
            return new InetAddress[] {InetAddress.getByName(address)};
        }
        if (host.matches("[0-9.]+|[0-9a-f:]+")) {
            return InetAddress.getAllByName(host);
        }
        throw new UnknownHostException(host);
    };

    private WebhookUrlPolicy policy(String... allowedHosts) {
        WebhookSettings settings = new WebhookSettings(List.of(allowedHosts), Duration.ofSeconds(1),
                Duration.ofMinutes(1), Duration.ofHours(48), Duration.ofSeconds(1), Duration.ofSeconds(1),
                Duration.ofSeconds(1), true);
        return new WebhookUrlPolicy(settings, resolver, 8080, 15432);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "http://169.254.169.254/latest/meta-data/",
            "http://localhost:15432/",
            "http://localhost/hook",
            "http://api.localhost/hook",
            "http://127.0.0.1/hook",
            "http://127.1.2.3/hook",
            "http://0.0.0.0/hook",
            "http://10.0.0.1/hook",
            "http://172.16.5.4/hook",
            "http://192.168.1.10/hook",
            "http://100.64.0.1/hook",
            "http://224.0.0.1/hook",
            "http://[::1]/hook",
            "http://[::]/hook",
            "http://[fd00::1]/hook",
            "http://[fe80::1]/hook",
            "http://[::ffff:127.0.0.1]/hook",
            "http://2130706433/hook",
            "http://internal.example.com/hook",
            "https://hooks.example.com:8080/hook",
            "https://hooks.example.com:5432/hook",
            "ftp://hooks.example.com/hook",
            "file:///etc/passwd",
            "https://user:pw@hooks.example.com/hook"})
    void refusesInternalOrNonHttpUrlsAtRegistrationNamingUrl(String url) {
        assertThatThrownBy(() -> policy().checkRegistration(url))
                .isInstanceOf(WebhookUrlException.class)
                .hasMessageStartingWith("url");
    }

    @Test
    void acceptsPublicReceivers() {
        assertThat(policy().checkRegistration("https://hooks.example.com/hook")).isNotNull();
        assertThat(policy().checkRegistration("https://93.184.216.34:8443/hook")).isNotNull();
        assertThat(policy().checkRegistration("https://not-yet-registered.example.org/hook")).isNotNull();
    }

    @Test
    void allowListedHostsMayBeInternal() throws Exception {
        WebhookUrlPolicy policy = policy("127.0.0.1", "internal.example.com");

        assertThat(policy.checkRegistration("http://127.0.0.1:15432/hook")).isNotNull();
        assertThat(policy.checkDelivery(URI.create("http://internal.example.com/hook")).getHostAddress())
                .isEqualTo("10.1.2.3");
    }

    @Test
    void deliveryRefusesANameRepointedAtLoopbackAfterRegistration() throws Exception {
        WebhookUrlPolicy policy = policy();
        URI uri = policy.checkRegistration("http://rebind.example.com:9999/hook");
        assertThat(policy.checkDelivery(uri).getHostAddress()).isEqualTo("93.184.216.34");

        dns.put("rebind.example.com", "127.0.0.1");

        assertThatThrownBy(() -> policy.checkDelivery(uri))
                .isInstanceOf(WebhookUrlException.class)
                .hasMessageContaining("127.0.0.1");
    }
}
