package io.tuneforge.shared.dataset.parquet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The pure-Java Parquet reader against files written by pyarrow ({@code src/test/python/parquet_fixtures.py}): every
 * fixture's rows equal, value for value, the rows pyarrow reads back from it (the {@code .json} beside it).
 */
class ParquetReaderTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"alpaca-none", "alpaca-snappy", "alpaca-gzip", "alpaca-zstd", "alpaca-plain",
        "typed-dictionary", "typed-plain", "typed-page-v2", "typed-row-groups", "sharegpt-nested",
        "sharegpt-nested-v2", "sharegpt-clean"})
    void readsTheRowsPyarrowWrote(String fixture) throws Exception {
        List<ObjectNode> rows = readAll(fixture(fixture + ".parquet"));

        JsonNode expected = JSON.readTree(fixture(fixture + ".json").toFile());
        assertThat(rows).hasSize(expected.size());
        for (int i = 0; i < rows.size(); i++) {
            // compared as JSON text: an INT64 1 and a JSON 1, a FLOAT 0.5 and a JSON 0.5 are the same value
            assertThat(JSON.writeValueAsString(rows.get(i))).as("row %d of %s", i, fixture)
                    .isEqualTo(JSON.writeValueAsString(expected.get(i)));
        }
    }

    @Test
    void alpacaRowsAreJsonObjectsWithTheColumnNamesAsFields() throws Exception {
        try (ParquetReader reader = ParquetReader.open(fixture("alpaca-snappy.parquet"), "alpaca.parquet")) {
            assertThat(reader.rowCount()).isEqualTo(5);
            assertThat(reader.columnNames()).containsExactly("instruction", "input", "output");
            JsonNode first = reader.next().orElseThrow();
            assertThat(first.get("instruction").asString()).isEqualTo("Translate to French");
            assertThat(first.get("output").asString()).isEqualTo("Bonjour");
        }
    }

    @Test
    void shareGptConversationsBecomeListsOfTurns() throws Exception {
        List<ObjectNode> rows = readAll(fixture("sharegpt-nested.parquet"));

        JsonNode turns = rows.get(1).get("conversations");
        assertThat(turns.size()).isEqualTo(3);
        assertThat(turns.get(2).get("from").asString()).isEqualTo("gpt");
        assertThat(turns.get(2).get("value").asString()).isEqualTo("4");
        assertThat(rows.get(2).get("conversations").isEmpty()).as("an empty list").isTrue();
        assertThat(rows.get(3).get("conversations").isNull()).as("a null list").isTrue();
        assertThat(rows.get(4).get("conversations").get(1).isNull()).as("a null turn").isTrue();
        assertThat(rows.get(4).get("conversations").get(0).get("value").isNull()).as("a turn without value").isTrue();
    }

    @Test
    void severalRowGroupsAreReadInOrder() throws Exception {
        List<ObjectNode> rows = readAll(fixture("typed-row-groups.parquet"));

        assertThat(rows).hasSize(1000);
        for (int i = 0; i < rows.size(); i++) {
            assertThat(rows.get(i).get("id").asLong()).isEqualTo(i);
        }
    }

    @Test
    void aFileThatIsNotParquetIsRefused() throws IOException {
        Path file = Files.writeString(dir.resolve("data.parquet"), "{\"instruction\": \"hi\"}\n");

        assertThat(ParquetReader.hasMagic(file)).isFalse();
        assertThatThrownBy(() -> ParquetReader.open(file, "data.parquet")).isInstanceOf(ParquetException.class)
                .hasMessage("data.parquet: not a Parquet file (it does not start with the bytes PAR1)");
    }

    @Test
    void aTruncatedFileIsRefusedAsTruncated() throws Exception {
        byte[] whole = Files.readAllBytes(fixture("alpaca-snappy.parquet"));
        Path cut = Files.write(dir.resolve("cut.parquet"), java.util.Arrays.copyOf(whole, whole.length - 100));

        assertThat(ParquetReader.hasMagic(cut)).isTrue();
        assertThatThrownBy(() -> ParquetReader.open(cut, "cut.parquet")).isInstanceOf(ParquetException.class)
                .hasMessageStartingWith("cut.parquet: the Parquet file is truncated");
    }

    @Test
    void aDamagedFooterIsRefused() throws Exception {
        byte[] bytes = Files.readAllBytes(fixture("alpaca-snappy.parquet"));
        int footerLength = ColumnChunkReader.littleEndianInt(bytes, bytes.length - 8);
        java.util.Arrays.fill(bytes, bytes.length - 8 - footerLength, bytes.length - 8, (byte) 0xFF);
        Path damaged = Files.write(dir.resolve("damaged.parquet"), bytes);

        assertThatThrownBy(() -> ParquetReader.open(damaged, "damaged.parquet")).isInstanceOf(ParquetException.class)
                .hasMessageStartingWith("damaged.parquet: the Parquet footer is damaged");
    }

    @Test
    void damagedPageDataIsRefusedNamingTheColumn() throws Exception {
        byte[] bytes = Files.readAllBytes(fixture("alpaca-none.parquet"));
        java.util.Arrays.fill(bytes, 4, 60, (byte) 0x7F);       // the first column chunk's page header and data
        Path damaged = Files.write(dir.resolve("pages.parquet"), bytes);

        assertThatThrownBy(() -> readAll(damaged)).isInstanceOf(ParquetException.class)
                .hasMessageStartingWith("pages.parquet: column 'instruction' in row group 1 is damaged");
    }

    @Test
    void anUnsupportedCodecIsRefusedNamingTheColumnAndTheCodec() {
        assertThatThrownBy(() -> ParquetReader.open(fixture("refused-lz4.parquet"), "lz4.parquet"))
                .isInstanceOf(ParquetException.class)
                .hasMessageContaining("lz4.parquet: column 'instruction' is compressed with LZ4_RAW, which is not read")
                .hasMessageContaining("compression='zstd'");
    }

    @Test
    void anUnsupportedEncodingIsRefusedNamingTheColumnAndTheEncoding() {
        assertThatThrownBy(() -> readAll(fixture("refused-delta.parquet"))).isInstanceOf(ParquetException.class)
                .hasMessageContaining("column 'output' stores its values with the DELTA_BYTE_ARRAY encoding");
    }

    @Test
    void aMapColumnIsRefusedNamingTheColumn() {
        assertThatThrownBy(() -> ParquetReader.open(fixture("refused-map.parquet"), "map.parquet"))
                .isInstanceOf(ParquetException.class)
                .hasMessageContaining("map.parquet: nested column 'attributes' is a map, which is not supported");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"alpaca-snappy", "alpaca-gzip", "alpaca-zstd", "typed-page-v2", "typed-row-groups",
        "sharegpt-nested", "sharegpt-nested-v2"})
    void damagedBytesAnywhereGiveAParquetErrorOrRowsNeverAnotherFailure(String fixture) throws Exception {
        byte[] original = Files.readAllBytes(fixture(fixture + ".parquet"));
        java.util.Random random = new java.util.Random(fixture.hashCode());
        for (int trial = 0; trial < 200; trial++) {
            byte[] damaged = original.clone();
            for (int flips = 1 + random.nextInt(4); flips > 0; flips--) {
                damaged[random.nextInt(damaged.length)] = (byte) random.nextInt(256);
            }
            Path file = Files.write(dir.resolve("damaged.parquet"), damaged);
            try {
                readAll(file);
            } catch (ParquetException expected) {
                assertThat(expected.getMessage()).startsWith("damaged.parquet: ");
            }
        }
    }

    @Test
    void snappyCopiesMayOverlapWhatTheyProduce() {
        // length 9; literal "ab" (tag 0b000001_00); copy length 7 offset 2 with a 1-byte offset (tag 0b000_011_01)
        byte[] block = {9, 0x04, 'a', 'b', 0x0D, 2};

        assertThat(new String(Snappy.decompress(block, 0, block.length))).isEqualTo("ababababa");
    }

    @Test
    void hybridRunsMixRepeatedAndBitPackedValues() {
        // a run of 3 fives (header 6, value 5), then one bit-packed group of 8 values 0..7 at 3 bits
        byte[] bytes = {6, 5, 3, (byte) 0b10001000, (byte) 0b11000110, (byte) 0b11111010};

        assertThat(HybridDecoder.decode(bytes, 0, bytes.length, 3, 11)).containsExactly(5, 5, 5, 0, 1, 2, 3, 4, 5,
                6, 7);
    }

    private static List<ObjectNode> readAll(Path file) {
        List<ObjectNode> rows = new ArrayList<>();
        try (ParquetReader reader = ParquetReader.open(file, file.getFileName().toString())) {
            for (Optional<ObjectNode> row = reader.next(); row.isPresent(); row = reader.next()) {
                rows.add(row.get());
            }
        }
        return rows;
    }

    private static Path fixture(String name) throws URISyntaxException {
        return Path.of(ParquetReaderTest.class.getResource("/parquet/" + name).toURI());
    }
}
