package io.tuneforge.trainer.export;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads GGUF files with an independent parser: the npm package {@code @huggingface/gguf}, run through Node. The
 * package is installed once into {@code target/gguf-js}; a test calling {@link #read(Path)} is skipped with a message
 * when Node or npm is missing or the install fails (no registry).
 */
public final class GgufNodeReader {

    static final String PACKAGE = "@huggingface/gguf@0.4.6";
    private static final Path PREFIX = Path.of("target", "gguf-js").toAbsolutePath();
    private static String unavailable;
    private static boolean installed;

    private GgufNodeReader() {
    }

    /** The parsed file: {@code metadata.<key>.{type,value}}, {@code tensors[].{name,shape,dtype,offset}}. */
    public static JsonNode read(Path gguf) throws Exception {
        ensureInstalled();
        Path script = Files.createTempFile("read-gguf", ".mjs");
        try (InputStream in = GgufNodeReader.class.getResourceAsStream("/export/read-gguf.mjs")) {
            Files.write(script, in.readAllBytes());
        }
        try {
            Path pkg = PREFIX.resolve("node_modules/@huggingface/gguf");
            Result r = run(List.of("node", script.toString(), pkg.toString(), gguf.toAbsolutePath().toString()), 60);
            if (r.exit != 0) {
                throw new AssertionError("@huggingface/gguf could not read " + gguf + ":\n" + r.output);
            }
            return JsonMapper.builder().build().readTree(r.output);
        } finally {
            Files.deleteIfExists(script);
        }
    }

    private static synchronized void ensureInstalled() {
        if (!installed && unavailable == null) {
            unavailable = install();
            installed = unavailable == null;
        }
        assumeTrue(installed, () -> "Skipped: the independent GGUF parser is unavailable: " + unavailable);
    }

    private static String install() {
        try {
            if (run(List.of("node", "--version"), 20).exit != 0 || run(List.of("npm", "--version"), 20).exit != 0) {
                return "node/npm not found on PATH";
            }
            if (Files.isRegularFile(PREFIX.resolve("node_modules/@huggingface/gguf/dist/index.mjs"))) {
                return null;
            }
            Result r = run(List.of("npm", "install", "--prefix", PREFIX.toString(), "--no-audit", "--no-fund",
                    PACKAGE), 300);
            return r.exit == 0 ? null : "npm install " + PACKAGE + " failed:\n" + r.output;
        } catch (IOException e) {
            return "node/npm not runnable: " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    private record Result(int exit, String output) {
    }

    private static Result run(List<String> command, int timeoutSeconds) throws IOException, InterruptedException {
        Path errors = Files.createTempFile("gguf-node", ".err");
        try {
            Process p = new ProcessBuilder(command).redirectError(errors.toFile()).start();
            byte[] stdout = p.getInputStream().readAllBytes();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return new Result(-1, "timed out: " + command);
            }
            String out = new String(stdout, StandardCharsets.UTF_8);
            return new Result(p.exitValue(), p.exitValue() == 0 ? out : out + Files.readString(errors));
        } finally {
            Files.deleteIfExists(errors);
        }
    }
}
