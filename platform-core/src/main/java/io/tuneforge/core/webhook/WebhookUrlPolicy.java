package io.tuneforge.core.webhook;

import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * Keeps webhooks away from the platform's own network (server-side request forgery): a URL must be http(s) to a public
 * address. Loopback, link-local (cloud metadata at 169.254.169.254), private, carrier-grade NAT, unique-local,
 * multicast, unspecified and reserved addresses are refused, and so are the platform's own ports. Checked at
 * registration and again before every delivery after resolving the name, and the delivery connects to the address
 * checked here, so a name re-pointed at an internal address later (DNS rebinding) is refused too.
 * {@link WebhookSettings#allowedHosts()} names the internal receivers that may be used anyway.
 */
@Component
class WebhookUrlPolicy {

    /** Longest URL stored (the {@code webhooks.url} column). */
    static final int MAX_URL_LENGTH = 2000;

    private final List<String> allowedHosts;
    private final HostResolver resolver;
    private final Set<Integer> ownPorts;

    WebhookUrlPolicy(WebhookSettings settings, HostResolver resolver,
            @Value("${server.port:8080}") int serverPort,
            @Value("${tuneforge.database.port:15432}") int databasePort) {
        this.allowedHosts = settings.allowedHosts().stream().map(WebhookUrlPolicy::normalHost).toList();
        this.resolver = resolver;
        this.ownPorts = Stream.of(serverPort, databasePort, 5432).filter(p -> p > 0).collect(Collectors.toSet());
    }

    /**
     * Checks a URL given at registration. A name that does not resolve yet is accepted (delivery checks it again).
     *
     * @throws WebhookUrlException naming {@code url} and what to change
     */
    URI checkRegistration(String url) {
        URI uri = parse(url);
        if (allowed(uri)) {
            return uri;
        }
        checkPort(uri);
        String host = normalHost(uri.getHost());
        if (host.equals("localhost") || host.endsWith(".localhost")) {
            throw refused(url, "localhost");
        }
        try {
            for (InetAddress address : addresses(host)) {
                checkAddress(url, address);
            }
        } catch (UnknownHostException e) {
            // not resolvable yet: every delivery resolves and checks again
        }
        return uri;
    }

    /**
     * Resolves the URL's host now and checks every address; the delivery must connect to the one returned.
     *
     * @throws WebhookUrlException when the URL or an address it resolves to may not be used
     * @throws UnknownHostException when the name does not resolve
     */
    InetAddress checkDelivery(URI uri) throws UnknownHostException {
        String url = uri.toString();
        InetAddress[] addresses = addresses(normalHost(uri.getHost()));
        if (allowed(uri)) {
            return addresses[0];
        }
        checkPort(uri);
        for (InetAddress address : addresses) {
            checkAddress(url, address);
        }
        return addresses[0];
    }

    /** An address literal as written (never looked up), a name through the resolver. */
    private InetAddress[] addresses(String host) throws UnknownHostException {
        boolean literal = host.contains(":") || host.matches("[0-9]+(\\.[0-9]+){0,3}");
        return literal ? InetAddress.getAllByName(host) : resolver.resolve(host);
    }

    private static URI parse(String url) {
        if (url == null || url.isBlank()) {
            throw new WebhookUrlException("url is missing: give the http(s) URL to deliver job events to");
        }
        if (url.length() > MAX_URL_LENGTH) {
            throw new WebhookUrlException("url is " + url.length() + " characters long: at most " + MAX_URL_LENGTH
                    + " characters are allowed");
        }
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw new WebhookUrlException("url '" + url + "' is not a valid URL: " + e.getReason());
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("https") && !scheme.equals("http") || uri.getHost() == null) {
            throw new WebhookUrlException("url must be http(s)://host/...: got '" + url + "'");
        }
        if (uri.getRawUserInfo() != null) {
            throw new WebhookUrlException("url must not carry a user name or password: got '" + url + "'");
        }
        return uri;
    }

    private boolean allowed(URI uri) {
        return allowedHosts.contains(normalHost(uri.getHost()));
    }

    private void checkPort(URI uri) {
        if (uri.getPort() != -1 && ownPorts.contains(uri.getPort())) {
            throw new WebhookUrlException("url '" + uri + "' uses port " + uri.getPort()
                    + ", one of the platform's own ports: use the receiver's public port");
        }
    }

    private static void checkAddress(String url, InetAddress address) {
        if (internal(address)) {
            throw refused(url, address.getHostAddress());
        }
    }

    private static WebhookUrlException refused(String url, String address) {
        return new WebhookUrlException("url '" + url + "' points at " + address + ", an internal address: webhooks "
                + "go to public addresses only (an administrator can allow an internal receiver with "
                + "tuneforge.webhooks.allowed-hosts)");
    }

    /** True for every address a webhook may not reach: anything not plainly public. */
    static boolean internal(InetAddress address) {
        if (address.isLoopbackAddress() || address.isLinkLocalAddress() || address.isSiteLocalAddress()
                || address.isMulticastAddress() || address.isAnyLocalAddress()) {
            return true;
        }
        byte[] b = address.getAddress();
        if (b.length == 4) {
            int b0 = b[0] & 0xff;
            int b1 = b[1] & 0xff;
            return b0 == 0 || b0 >= 240 // "this network", reserved and broadcast
                    || b0 == 100 && (b1 & 0xc0) == 64 // 100.64.0.0/10 carrier-grade NAT
                    || b0 == 192 && b1 == 0 && (b[2] & 0xff) == 0 // 192.0.0.0/24 protocol assignments
                    || b0 == 198 && (b1 & 0xfe) == 18; // 198.18.0.0/15 benchmarking
        }
        if ((b[0] & 0xfe) == 0xfc) {
            return true; // fc00::/7 unique local
        }
        boolean embedsIpv4 = isZero(b, 0, 10) && (isZero(b, 10, 12) || (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff)
                || (b[0] & 0xff) == 0x00 && (b[1] & 0xff) == 0x64 && (b[2] & 0xff) == 0xff && (b[3] & 0xff) == 0x9b;
        if (embedsIpv4) { // ::a.b.c.d, ::ffff:a.b.c.d, 64:ff9b::a.b.c.d (NAT64)
            try {
                return internal(InetAddress.getByAddress(new byte[] {b[12], b[13], b[14], b[15]}));
            } catch (UnknownHostException e) {
                return true;
            }
        }
        return false;
    }

    private static boolean isZero(byte[] b, int from, int to) {
        for (int i = from; i < to; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return true;
    }

    private static String normalHost(String host) {
        String h = host.toLowerCase(Locale.ROOT);
        if (h.startsWith("[") && h.endsWith("]")) {
            h = h.substring(1, h.length() - 1);
        }
        return h.endsWith(".") ? h.substring(0, h.length() - 1) : h;
    }
}
