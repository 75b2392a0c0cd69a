package io.tuneforge.trainer.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import io.tuneforge.trainer.Fixtures;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Stream;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * BOS and EOS around a text as transformers' {@code tokenizer.encode(text)} puts them, for the shared fixture
 * tokenizers and edited copies (post-processor replaced or removed, {@code add_bos_token} set). Golden ids from
 * {@code src/test/python/tokenizer_bos_golden.py} (transformers 5.18).
 */
class TokenizerBosGoldenTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @TempDir
    Path temp;

    static Stream<Arguments> cases() throws IOException {
        try (InputStream in = TokenizerBosGoldenTest.class.getResourceAsStream("/tokenizer/bos_golden.json")) {
            JsonNode root = JSON.readTree(in);
            return root.path("cases").valueStream().map(c -> Arguments.of(c.path("name").asString(), c));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void encodeWithSpecialTokensEqualsTransformersEncode(String name, JsonNode testCase) throws IOException {
        Path dir = prepare(testCase);
        try (TextTokenizer tok = TextTokenizer.load(dir)) {
            for (JsonNode e : testCase.path("encodings")) {
                String text = e.path("text").asString();
                int[] expected = JSON.treeToValue(e.path("ids"), int[].class);
                assertThat(tok.encodeWithSpecialTokens(text)).as("%s: %s", name, text).containsExactly(expected);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void encodeWithBosStartsExactlyAsTransformersEncodeAndAddsNoTrailingId(String name, JsonNode testCase)
            throws IOException {
        Path dir = prepare(testCase);
        try (TextTokenizer tok = TextTokenizer.load(dir)) {
            for (JsonNode e : testCase.path("encodings")) {
                String text = e.path("text").asString();
                int[] expected = JSON.treeToValue(e.path("ids"), int[].class);
                int[] plain = tok.encode(text);
                int[] withBos = tok.encodeWithBos(text);
                int prefix = withBos.length - plain.length;
                assertThat(Arrays.copyOfRange(withBos, prefix, withBos.length)).containsExactly(plain);
                assertThat(Arrays.copyOf(withBos, prefix)).as("%s: %s", name, text)
                        .containsExactly(Arrays.copyOf(expected, prefix));
                assertThat(tok.specialTokens().addBos()).isEqualTo(prefix > 0);
            }
        }
    }

    /** A copy of the case's fixture with its edits applied, as the Python generator made it. */
    private Path prepare(JsonNode testCase) throws IOException {
        Path source = Fixtures.path(testCase.path("fixture").asString());
        Path target = Files.createDirectories(temp.resolve("tok"));
        try (Stream<Path> files = Files.list(source)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                Files.copy(f, target.resolve(f.getFileName()));
            }
        }
        if (testCase.has("post_processor")) {
            edit(target.resolve("tokenizer.json"), root -> root.set("post_processor", testCase.path("post_processor")));
        }
        if (testCase.has("tokenizer_config")) {
            edit(target.resolve("tokenizer_config.json"), root -> root.setAll((ObjectNode) testCase.path("tokenizer_config")));
        }
        return target;
    }

    private static void edit(Path file, java.util.function.Consumer<ObjectNode> change) throws IOException {
        ObjectNode root = (ObjectNode) JSON.readTree(file.toFile());
        change.accept(root);
        Files.writeString(file, JSON.writeValueAsString(root));
    }
}
