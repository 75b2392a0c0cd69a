package io.tuneforge.core.model;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CancellationException;
import java.util.function.BooleanSupplier;
import java.util.function.LongConsumer;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The two Hugging Face Hub calls an import needs, over plain HTTP: the file list of a repository revision
 * ({@code GET /api/models/{repo}/revision/{revision}}) and one file's bytes ({@code GET /{repo}/resolve/{revision}/{file}},
 * following redirects to the Hub's storage). The token goes only to the endpoint's own host, never to the storage a
 * download is redirected to.
 */
final class HubClient {

    /** A file of a repository revision, with its size when the listing gives one. */
    record HubFile(String name, OptionalLong size) {
    }

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final int MAX_REDIRECTS = 10;
    private static final int BUFFER_BYTES = 1 << 20;
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
    /** Until the response headers arrive; a body may take as long as it needs (cancel stops it). */
    private static final Duration HEADERS_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(5);

    private final URI endpoint;
    private final Optional<String> token;
    private final HttpClient http;

    /**
     * @param endpoint the Hub, e.g. {@code https://huggingface.co} (a trailing slash is dropped)
     * @param token    a Hub access token for private or gated repositories, if any
     */
    HubClient(String endpoint, Optional<String> token) {
        String trimmed = endpoint.strip().replaceAll("/+$", "");
        try {
            this.endpoint = URI.create(trimmed);
        } catch (IllegalArgumentException e) {
            throw new ModelException("HF_ENDPOINT \"" + endpoint + "\" is not a URL: set it like https://huggingface.co");
        }
        if (this.endpoint.getScheme() == null || this.endpoint.getHost() == null
                || !this.endpoint.getScheme().matches("https?")) {
            throw new ModelException("HF_ENDPOINT \"" + endpoint + "\" is not an http(s) URL: set it like https://huggingface.co");
        }
        this.token = token.map(String::strip).filter(t -> !t.isEmpty());
        this.http = HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT)
                .followRedirects(HttpClient.Redirect.NEVER).build();
    }

    String endpoint() {
        return endpoint.toString();
    }

    /** Asks the endpoint for anything: any HTTP answer means the Hub is reachable. */
    HubStatus probe() {
        HttpRequest request = HttpRequest.newBuilder(endpoint.resolve("/")).timeout(PROBE_TIMEOUT)
                .method("HEAD", HttpRequest.BodyPublishers.noBody()).build();
        try {
            http.send(request, HttpResponse.BodyHandlers.discarding());
            return new HubStatus(endpoint(), true, "");
        } catch (IOException e) {
            return new HubStatus(endpoint(), false, unreachable(e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new HubStatus(endpoint(), false, "The check was interrupted");
        }
    }

    /** Every file of {@code repoId} at {@code revision}. */
    List<HubFile> listFiles(String repoId, String revision) {
        URI uri = URI.create(endpoint + "/api/models/" + repoId + "/revision/" + segment(revision) + "?blobs=true");
        JsonNode listing;
        try (InputStream body = get(uri, repoId, revision).body()) {
            listing = JSON.readTree(body);
        } catch (IOException e) {
            throw new ModelException("Reading the file list of " + repoId + " failed: " + e.getMessage(), e);
        } catch (JacksonException e) {
            throw new ModelException("The Hub's file list of " + repoId + " (" + uri + ") is not valid JSON", e);
        }
        JsonNode siblings = listing.path("siblings");
        if (!siblings.isArray()) {
            throw new ModelException("The Hub's answer for " + repoId + " (" + uri + ") has no \"siblings\" file list");
        }
        List<HubFile> files = new ArrayList<>();
        for (JsonNode sibling : siblings) {
            String name = sibling.path("rfilename").asString("");
            if (!name.isEmpty()) {
                JsonNode size = sibling.path("size");
                files.add(new HubFile(name, size.isNumber() ? OptionalLong.of(size.asLong()) : OptionalLong.empty()));
            }
        }
        return files;
    }

    /**
     * Streams one file into {@code target}, checking {@code cancelled} between chunks.
     *
     * @param onLength told the Content-Length before the first byte, when the answer has one
     * @param onBytes  told each chunk's size as it is written
     * @throws CancellationException when cancelled (or the thread is interrupted)
     */
    void download(String repoId, String revision, String file, Path target, LongConsumer onLength,
            LongConsumer onBytes, BooleanSupplier cancelled) {
        URI uri = URI.create(endpoint + "/" + repoId + "/resolve/" + segment(revision) + "/" + segment(file));
        long written = 0;
        OptionalLong length = OptionalLong.empty();
        HttpResponse<InputStream> response = get(uri, repoId, revision);
        try (InputStream in = response.body(); OutputStream out = Files.newOutputStream(target)) {
            length = response.headers().firstValueAsLong("Content-Length");
            length.ifPresent(onLength::accept);
            byte[] buffer = new byte[BUFFER_BYTES];
            for (int n; (n = in.read(buffer)) >= 0; ) {
                if (cancelled.getAsBoolean() || Thread.currentThread().isInterrupted()) {
                    throw new CancellationException("Import of " + repoId + " cancelled");
                }
                out.write(buffer, 0, n);
                written += n;
                onBytes.accept(n);
            }
        } catch (IOException e) {
            if (cancelled.getAsBoolean() || Thread.currentThread().isInterrupted()) {
                throw new CancellationException("Import of " + repoId + " cancelled");
            }
            throw new ModelException("Downloading " + file + " of " + repoId + " broke off after " + written
                    + " bytes: " + e.getMessage() + ". Nothing was kept; try again", e);
        }
        if (length.isPresent() && written != length.getAsLong()) {
            throw new ModelException("Downloading " + file + " of " + repoId + " broke off after " + written + " of "
                    + length.getAsLong() + " bytes. Nothing was kept; try again");
        }
    }

    /** GET with redirects followed by hand, so that the token never leaves the endpoint's host. */
    private HttpResponse<InputStream> get(URI uri, String repoId, String revision) {
        URI current = uri;
        for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
            HttpRequest.Builder request = HttpRequest.newBuilder(current).timeout(HEADERS_TIMEOUT).GET()
                    .header("User-Agent", "TuneForge");
            if (token.isPresent() && sameOrigin(current)) {
                request.header("Authorization", "Bearer " + token.get());
            }
            HttpResponse<InputStream> response = send(request.build());
            int status = response.statusCode();
            if (status >= 200 && status < 300) {
                return response;
            }
            closeQuietly(response);
            if (status >= 300 && status < 400 && response.headers().firstValue("Location").isPresent()) {
                current = current.resolve(response.headers().firstValue("Location").get());
                continue;
            }
            throw refused(status, current, repoId, revision);
        }
        throw new ModelException("The Hub redirected " + uri + " more than " + MAX_REDIRECTS + " times");
    }

    private HttpResponse<InputStream> send(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            throw new ModelException(unreachable(e), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CancellationException("Hub request to " + request.uri() + " interrupted");
        }
    }

    private ModelException refused(int status, URI uri, String repoId, String revision) {
        return switch (status) {
            case 401, 403 -> new ModelException("The Hub refused access to " + repoId + " (HTTP " + status + "): "
                    + (token.isPresent()
                            ? "the token in HF_TOKEN has no access to it; accept the model's terms on the Hub or use another token"
                            : "it is private or gated, or does not exist; set HF_TOKEN to a token with access"));
            case 404 -> new ModelException("No model " + repoId + " at revision \"" + revision + "\" on " + endpoint
                    + " (HTTP 404 for " + uri.getPath() + "): check the repository id (owner/name) and the revision");
            default -> new ModelException("The Hub answered HTTP " + status + " for " + uri + "; try again later");
        };
    }

    private String unreachable(IOException e) {
        String detail = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        if (e instanceof ConnectException || e instanceof HttpConnectTimeoutException
                || e.getCause() instanceof java.nio.channels.UnresolvedAddressException) {
            return "Cannot reach the Hugging Face Hub at " + endpoint + " (" + detail + "): this server needs "
                    + "internet access, or set HF_ENDPOINT to a mirror it can reach";
        }
        if (e instanceof HttpTimeoutException) {
            return "The Hugging Face Hub at " + endpoint + " did not answer in time: try again later";
        }
        return "Connection to the Hugging Face Hub at " + endpoint + " failed: " + detail;
    }

    private boolean sameOrigin(URI uri) {
        return endpoint.getHost().equalsIgnoreCase(uri.getHost()) && endpoint.getPort() == uri.getPort()
                && endpoint.getScheme().equalsIgnoreCase(uri.getScheme());
    }

    /** One URL path segment: a revision like {@code refs/pr/1} becomes {@code refs%2Fpr%2F1}. */
    private static String segment(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static void closeQuietly(HttpResponse<InputStream> response) {
        try {
            response.body().close();
        } catch (IOException ignored) {
            // the answer is not read anyway
        }
    }
}
