package io.tuneforge.trainer.model.safetensors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.tuneforge.trainer.Fixtures;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.SequencedMap;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsTest {

    @TempDir
    Path dir;

    @Test
    void roundTripsF32AndLongsWithFormatMetadataAndKeyOrder() throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            SequencedMap<String, NDArray> tensors = new LinkedHashMap<>();
            tensors.put("z.weight", m.create(new float[] {1.5f, -2f, 3.25f, 0f, 7f, -0.125f}, new Shape(2, 3)));
            tensors.put("a.ids", m.create(new long[] {1L << 40, -3}, new Shape(2)));
            Path file = dir.resolve("t.safetensors");
            SafetensorsWriter.writeFile(file, tensors, SafetensorsDType.F32);

            String header = headerOf(file);
            assertThat(header).startsWith("{\"__metadata__\":{\"format\":\"pt\"}");
            assertThat(header.indexOf("z.weight")).isLessThan(header.indexOf("a.ids"));
            try (SafetensorsReader r = SafetensorsReader.open(file)) {
                assertThat(r.names()).containsExactly("z.weight", "a.ids");
                assertThat(r.metadata()).containsEntry("format", "pt");
                assertThat(r.info("z.weight").shape()).containsExactly(2, 3);
                assertThat(r.readFloats("z.weight")).containsExactly(1.5f, -2f, 3.25f, 0f, 7f, -0.125f);
                assertThat(r.readLongs("a.ids")).containsExactly(1L << 40, -3);
                NDArray loaded = r.load(m, "z.weight", DataType.FLOAT32);
                assertThat(loaded.getShape()).isEqualTo(new Shape(2, 3));
                assertThat(loaded.toFloatArray()).containsExactly(1.5f, -2f, 3.25f, 0f, 7f, -0.125f);
            }
            assertThat(Files.list(dir)).containsExactly(file);
        }
    }

    @Test
    void readsBf16AsFloatsWithoutDjlEverSeeingBf16() throws Exception {
        float[] values = {1f, -2.5f, 3.140625f, 65280f, -0.0078125f};
        try (NDManager m = NDManager.newBaseManager()) {
            Path file = dir.resolve("bf16.safetensors");
            SafetensorsWriter.writeFile(file, List.of(TensorSource.of("w", m.create(values))), SafetensorsDType.BF16);
            try (SafetensorsReader r = SafetensorsReader.open(file)) {
                assertThat(r.info("w").dtype()).isEqualTo(SafetensorsDType.BF16);
                assertThat(r.info("w").byteCount()).isEqualTo(10);
                ByteBuffer raw = r.readBytes("w");
                assertThat(raw.getShort(0)).isEqualTo((short) 0x3F80);               // 1.0 in bf16
                assertThat(r.readFloats("w")).containsExactly(values);               // all exactly representable
                NDArray loaded = r.load(m, "w", DataType.FLOAT32);
                assertThat(loaded.getDataType()).isEqualTo(DataType.FLOAT32);
                assertThat(loaded.toFloatArray()).containsExactly(values);
            }
        }
    }

    @Test
    void bf16BitsAreABf16TensorsBytesAsTheyAreAndRoundedFromF32() throws Exception {
        float[] values = {1f, -2.5f, 1.00390625f, 65280f};
        try (NDManager m = NDManager.newBaseManager()) {
            Path bf16 = dir.resolve("bits-bf16.safetensors");
            Path f32 = dir.resolve("bits-f32.safetensors");
            SafetensorsWriter.writeFile(bf16, List.of(TensorSource.of("w", m.create(values))), SafetensorsDType.BF16);
            SafetensorsWriter.writeFile(f32, List.of(TensorSource.of("w", m.create(values))), SafetensorsDType.F32);
            try (SafetensorsReader fromBf16 = SafetensorsReader.open(bf16);
                 SafetensorsReader fromF32 = SafetensorsReader.open(f32)) {
                ByteBuffer raw = fromBf16.readBytes("w");
                ByteBuffer bits = fromBf16.readBf16Bits("w");
                ByteBuffer rounded = fromF32.readBf16Bits("w");
                assertThat(bits.remaining()).isEqualTo(8);
                assertThat(rounded.remaining()).isEqualTo(8);
                for (int i = 0; i < values.length; i++) {
                    short expected = Bf16.fromFloat(values[i]);
                    assertThat(bits.getShort(2 * i)).isEqualTo(raw.getShort(2 * i)).isEqualTo(expected);
                    assertThat(rounded.order(java.nio.ByteOrder.LITTLE_ENDIAN).getShort(2 * i)).isEqualTo(expected);
                }
            }
        }
    }

    @Test
    void bf16RoundsToNearestEven() {
        assertThat(Bf16.toFloat(Bf16.fromFloat(1.00390625f))).isEqualTo(1.0f);        // tie -> even
        assertThat(Bf16.toFloat(Bf16.fromFloat(1.01171875f))).isEqualTo(1.015625f);   // tie -> even (up)
        assertThat(Bf16.toFloat(Bf16.fromFloat(Math.nextUp(1.00390625f)))).isEqualTo(1.0078125f);   // just above the tie
        assertThat(Float.isNaN(Bf16.toFloat(Bf16.fromFloat(Float.NaN)))).isTrue();
    }

    @Test
    void writesF16AndLoadsItAsFloat16OrFloat32() throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            Path file = dir.resolve("f16.safetensors");
            SafetensorsWriter.writeFile(file, List.of(TensorSource.of("w", m.create(new float[] {0.5f, -1.25f, 1024f}))),
                    SafetensorsDType.F16);
            try (SafetensorsReader r = SafetensorsReader.open(file)) {
                assertThat(r.info("w").dtype()).isEqualTo(SafetensorsDType.F16);
                assertThat(r.readFloats("w")).containsExactly(0.5f, -1.25f, 1024f);
                NDArray half = r.load(m, "w", DataType.FLOAT16);
                assertThat(half.getDataType()).isEqualTo(DataType.FLOAT16);
                assertThat(half.toType(DataType.FLOAT32, false).toFloatArray()).containsExactly(0.5f, -1.25f, 1024f);
            }
        }
    }

    @Test
    void shardsByMaximumSizeWithAnIndexAndReadsTheShardsBack() throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            List<TensorSource> sources = List.of(
                    TensorSource.lazy("a", new long[] {4, 4}, () -> m.arange(16f).reshape(4, 4)),
                    TensorSource.lazy("b", new long[] {16}, () -> m.arange(16f).neg()),
                    TensorSource.lazy("c", new long[] {2}, () -> m.create(new float[] {9f, 8f})));
            Path model = dir.resolve("model");
            List<Path> files = SafetensorsWriter.writeModel(model, sources, SafetensorsDType.F32, 100);
            assertThat(files).extracting(p -> p.getFileName().toString()).containsExactly(
                    "model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors",
                    "model.safetensors.index.json");
            assertThat(Files.readString(model.resolve("model.safetensors.index.json")))
                    .contains("\"total_size\" : 136").contains("\"c\" : \"model-00002-of-00002.safetensors\"");
            try (SafetensorsReader r = SafetensorsReader.open(model)) {
                assertThat(r.names()).containsExactlyInAnyOrder("a", "b", "c");
                assertThat(r.readFloats("b")[15]).isEqualTo(-15f);
                assertThat(r.readFloats("c")).containsExactly(9f, 8f);
            }
            try (var listing = Files.list(model)) {
                assertThat(listing.filter(p -> p.getFileName().toString().startsWith("."))).isEmpty();
            }
        }
    }

    @Test
    void readsTheRealStoriesCheckpoint() throws Exception {
        try (SafetensorsReader r = SafetensorsReader.open(Fixtures.stories260K())) {
            TensorInfo embed = r.info("model.embed_tokens.weight");
            assertThat(embed.shape()).containsExactly(512, 64);
            assertThat(embed.dtype()).isEqualTo(SafetensorsDType.F32);
            assertThat(r.readFloats("model.norm.weight")).hasSize(64);
        }
    }

    @Test
    void rejectsATruncatedFileWithAClearMessage() throws Exception {
        Path file = dir.resolve("bad.safetensors");
        Files.write(file, new byte[] {(byte) 200, 0, 0, 0, 0, 0, 0, 0, '{'});
        assertThatThrownBy(() -> SafetensorsReader.open(file))
                .isInstanceOf(SafetensorsException.class).hasMessageContaining("truncated");
    }

    private static String headerOf(Path file) throws Exception {
        byte[] bytes = Files.readAllBytes(file);
        long n = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        return new String(bytes, 8, (int) n, StandardCharsets.UTF_8);
    }
}
