package io.tuneforge.core.webhook;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * One HTTP/1.1 POST to an address chosen beforehand: the connection goes to {@code address} (checked by
 * {@link WebhookUrlPolicy}), never to a second resolution of the name, while the {@code Host} header, TLS SNI and
 * certificate check use the URL's host. Redirects are not followed: the status code is the answer.
 */
final class PinnedHttpPost {

    private PinnedHttpPost() {
    }

    /** Sends the body and returns the receiver's status code. */
    static int send(URI uri, InetAddress address, Map<String, String> headers, byte[] body, Duration connectTimeout,
            Duration readTimeout) throws IOException {
        boolean https = uri.getScheme().equalsIgnoreCase("https");
        int port = uri.getPort() != -1 ? uri.getPort() : https ? 443 : 80;
        String host = uri.getHost();
        Socket socket = new Socket();
        try {
            socket.connect(new InetSocketAddress(address, port), (int) connectTimeout.toMillis());
            socket.setSoTimeout((int) readTimeout.toMillis());
            Socket channel = https ? tls(socket, host, port) : socket;
            OutputStream out = channel.getOutputStream();
            String path = (uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath())
                    + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
            StringBuilder head = new StringBuilder()
                    .append("POST ").append(path).append(" HTTP/1.1\r\n")
                    .append("Host: ").append(host).append(uri.getPort() == -1 ? "" : ":" + port).append("\r\n")
                    .append("Content-Length: ").append(body.length).append("\r\n")
                    .append("Connection: close\r\n");
            headers.forEach((name, value) -> head.append(name).append(": ").append(value).append("\r\n"));
            head.append("\r\n");
            out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
            out.write(body);
            out.flush();
            return statusCode(channel.getInputStream());
        } finally {
            socket.close();
        }
    }

    private static Socket tls(Socket socket, String host, int port) throws IOException {
        try {
            SSLSocket ssl = (SSLSocket) SSLContext.getDefault().getSocketFactory().createSocket(socket, host, port,
                    true);
            SSLParameters parameters = ssl.getSSLParameters();
            parameters.setEndpointIdentificationAlgorithm("HTTPS");
            if (!host.startsWith("[") && !host.matches("[0-9.]+")) {
                parameters.setServerNames(List.of(new SNIHostName(host)));
            }
            ssl.setSSLParameters(parameters);
            ssl.startHandshake();
            return ssl;
        } catch (NoSuchAlgorithmException e) {
            throw new IOException("TLS unavailable", e);
        }
    }

    private static int statusCode(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) != -1 && c != '\n' && line.size() < 1000) {
            line.write(c);
        }
        String status = line.toString(StandardCharsets.ISO_8859_1).strip();
        String[] parts = status.split(" ", 3);
        if (parts.length < 2 || !parts[0].toUpperCase(Locale.ROOT).startsWith("HTTP/")) {
            throw new IOException("not an HTTP answer: '" + status + "'");
        }
        try {
            return Integer.parseInt(parts[1]);
        } catch (NumberFormatException e) {
            throw new IOException("not an HTTP status line: '" + status + "'");
        }
    }
}
