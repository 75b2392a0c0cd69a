package io.tuneforge.core.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A local stand-in for the Hugging Face Hub's two endpoints: {@code GET /api/models/{repo}/revision/{rev}} lists a
 * folder's files, {@code GET /{repo}/resolve/{rev}/{file}} redirects to {@code /cdn/{repo}/{file}}, which serves the
 * bytes with a Content-Length. Files can be made to break off halfway or to stall halfway.
 */
public final class FakeHub implements AutoCloseable {

    /** How a file is served. */
    public enum Serving { WHOLE, CUT_OFF_HALFWAY, STALL_HALFWAY }

    private final HttpServer server;
    private final Map<String, Path> repos = new ConcurrentHashMap<>();
    private final Map<String, Serving> serving = new ConcurrentHashMap<>();
    private final CountDownLatch release = new CountDownLatch(1);
    /** Counted down when a file stalls halfway. */
    public final CountDownLatch stalled = new CountDownLatch(1);

    public FakeHub() {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext("/", this::handle);
        server.setExecutor(java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor());
        server.start();
    }

    public String endpoint() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /**
     * Serves {@code folder}'s files as repository {@code repoId}; the listing also names files the importer must not
     * ask for (README.md, pytorch_model.bin, onnx/model.onnx), which are not served. Repositories under
     * {@code gated/} answer 401.
     */
    public void publish(String repoId, Path folder) {
        repos.put(repoId, folder);
    }

    /**
     * Writes a two-shard float32 "Llama" with a chat template into {@code folder} (the second shard is 2 MiB, so
     * that progress moves) and publishes it under a fresh repository id, which it returns.
     */
    public String publishTinyLlama(Path folder) throws IOException {
        Files.writeString(folder.resolve("config.json"), """
                {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "torch_dtype": "float32",
                 "hidden_size": 8, "num_hidden_layers": 1, "vocab_size": 4}
                """);
        Files.writeString(folder.resolve("tokenizer_config.json"),
                "{\"chat_template\": \"{% for m in messages %}<|user|>{{ m.content }}{% endfor %}\"}");
        Files.writeString(folder.resolve("tokenizer.json"), "{\"version\": \"1.0\", \"model\": {\"type\": \"BPE\"}}");
        Files.writeString(folder.resolve("generation_config.json"), "{\"eos_token_id\": 2}");
        writeSafetensors(folder.resolve("model-00001-of-00002.safetensors"), "model.norm.weight", 4, 8);
        writeSafetensors(folder.resolve("model-00002-of-00002.safetensors"), "lm_head.weight", 512, 1024);
        Files.writeString(folder.resolve("model.safetensors.index.json"), """
                {"weight_map": {"model.norm.weight": "model-00001-of-00002.safetensors",
                                "lm_head.weight": "model-00002-of-00002.safetensors"}}
                """);
        String repo = "tiny/llama-" + UUID.randomUUID().toString().substring(0, 8);
        publish(repo, folder);
        return repo;
    }

    private static void writeSafetensors(Path file, String tensor, int rows, int columns) throws IOException {
        int bytes = rows * columns * 4;
        StringBuilder header = new StringBuilder("{\"" + tensor + "\":{\"dtype\":\"F32\",\"shape\":[" + rows + ","
                + columns + "],\"data_offsets\":[0," + bytes + "]}}");
        while (header.length() % 8 != 0) {
            header.append(' ');
        }
        byte[] json = header.toString().getBytes(StandardCharsets.UTF_8);
        byte[] data = new byte[bytes];
        new Random(rows * 31L + columns).nextBytes(data);
        ByteBuffer out = ByteBuffer.allocate(8 + json.length + bytes).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(json.length).put(json).put(data);
        Files.write(file, out.array());
    }

    public void serve(String repoId, String file, Serving how) {
        serving.put(repoId + "/" + file, how);
    }

    @Override
    public void close() {
        release.countDown();
        server.stop(0);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getRawPath();
            if (path.startsWith("/api/models/")) {
                listing(exchange, path.substring("/api/models/".length()));
            } else if (path.startsWith("/cdn/")) {
                file(exchange, path.substring("/cdn/".length()));
            } else if (path.contains("/resolve/")) {
                String repo = path.substring(1, path.indexOf("/resolve/"));
                String file = path.substring(path.lastIndexOf('/') + 1);
                exchange.getResponseHeaders().add("Location", "/cdn/" + repo + "/" + file);
                exchange.sendResponseHeaders(302, -1);
            } else {
                exchange.sendResponseHeaders(exchange.getRequestMethod().equals("HEAD") ? 200 : 404, -1);
            }
        }
    }

    private void listing(HttpExchange exchange, String rest) throws IOException {
        String repo = rest.substring(0, rest.indexOf("/revision/"));
        Path folder = repos.get(repo);
        if (repo.startsWith("gated/")) {
            send(exchange, 401, "{\"error\":\"Access to model is restricted\"}".getBytes(StandardCharsets.UTF_8));
            return;
        }
        if (folder == null) {
            send(exchange, 404, "{\"error\":\"Repository not found\"}".getBytes(StandardCharsets.UTF_8));
            return;
        }
        List<String> names;
        try (Stream<Path> files = Files.list(folder)) {
            names = Stream.concat(files.map(f -> f.getFileName().toString()),
                    Stream.of("README.md", "pytorch_model.bin", "onnx/model.onnx")).sorted().toList();
        }
        String siblings = names.stream().map(n -> "{\"rfilename\":\"" + n + "\"}").collect(Collectors.joining(","));
        send(exchange, 200, ("{\"id\":\"" + repo + "\",\"siblings\":[" + siblings + "]}").getBytes(StandardCharsets.UTF_8));
    }

    private void file(HttpExchange exchange, String rest) throws IOException {
        String repo = rest.substring(0, rest.lastIndexOf('/'));
        String name = rest.substring(rest.lastIndexOf('/') + 1);
        Path folder = repos.get(repo);
        Path file = folder == null ? null : folder.resolve(name);
        if (file == null || !Files.isRegularFile(file)) {
            send(exchange, 404, new byte[0]);
            return;
        }
        byte[] bytes = Files.readAllBytes(file);
        Serving how = serving.getOrDefault(repo + "/" + name, Serving.WHOLE);
        exchange.sendResponseHeaders(200, bytes.length);
        OutputStream out = exchange.getResponseBody();
        if (how == Serving.WHOLE) {
            out.write(bytes);
            return;
        }
        out.write(bytes, 0, bytes.length / 2);
        out.flush();
        if (how == Serving.STALL_HALFWAY) {
            stalled.countDown();
            try {
                release.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        // closing the exchange now leaves the body short of its Content-Length
    }

    private static void send(HttpExchange exchange, int status, byte[] body) throws IOException {
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            exchange.getResponseBody().write(body);
        }
    }
}
