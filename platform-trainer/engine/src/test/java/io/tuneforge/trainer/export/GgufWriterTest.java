package io.tuneforge.trainer.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

class GgufWriterTest {

    @TempDir
    Path dir;

    private static float[] random(int n, long seed) {
        Random r = new Random(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) r.nextGaussian();
        }
        return v;
    }

    @Test
    void independentParserReadsMetadataTypesAndTensorInfos() throws Exception {
        float[] matrix = random(4 * 64, 1);
        float[] vector = random(64, 2);
        Path file = dir.resolve("t.gguf");
        new GgufWriter()
                .putString("general.architecture", "llama")
                .putUint32("llama.block_count", 5)
                .putFloat32("llama.rope.freq_base", 10000f)
                .putBool("tokenizer.ggml.add_bos_token", true)
                .putStringArray("tokenizer.ggml.tokens", List.of("<unk>", "▁the", "中文"))
                .putFloat32Array("tokenizer.ggml.scores", new float[] {0f, -1f, -2.5f})
                .putInt32Array("tokenizer.ggml.token_type", new int[] {2, 1, 1})
                .addTensor(new GgufWriter.Tensor("a.weight", new long[] {4, 64}, GgmlType.Q8_0, () -> matrix))
                .addTensor(new GgufWriter.Tensor("b.weight", new long[] {64}, GgmlType.F32, () -> vector))
                .addTensor(new GgufWriter.Tensor("c.weight", new long[] {4, 64}, GgmlType.F16, () -> matrix))
                .write(file);

        JsonNode parsed = GgufNodeReader.read(file);
        JsonNode md = parsed.get("metadata");
        assertThat(md.get("version").get("value").asInt()).isEqualTo(3);
        assertThat(md.get("general.architecture").get("value").asString()).isEqualTo("llama");
        assertThat(md.get("llama.block_count").get("type").asInt()).isEqualTo(4); // UINT32
        assertThat(md.get("llama.block_count").get("value").asInt()).isEqualTo(5);
        assertThat(md.get("llama.rope.freq_base").get("type").asInt()).isEqualTo(6); // FLOAT32
        assertThat(md.get("tokenizer.ggml.add_bos_token").get("value").asBoolean()).isTrue();
        assertThat(md.get("tokenizer.ggml.tokens").get("value").get(2).asString()).isEqualTo("中文");
        assertThat(md.get("tokenizer.ggml.scores").get("value").get(2).asDouble()).isEqualTo(-2.5);
        assertThat(md.get("tokenizer.ggml.token_type").get("subType").asInt()).isEqualTo(5); // INT32

        JsonNode tensors = parsed.get("tensors");
        assertThat(tensors).hasSize(3);
        assertThat(tensors.get(0).get("name").asString()).isEqualTo("a.weight");
        assertThat(tensors.get(0).get("shape").get(0).asString()).isEqualTo("64"); // innermost first
        assertThat(tensors.get(0).get("shape").get(1).asString()).isEqualTo("4");
        assertThat(tensors.get(0).get("dtype").asInt()).isEqualTo(8);
        assertThat(tensors.get(1).get("dtype").asInt()).isEqualTo(0);
        assertThat(tensors.get(2).get("dtype").asInt()).isEqualTo(1);

        long dataStart = Long.parseLong(parsed.get("tensorDataOffset").asString());
        assertThat(dataStart % GgufWriter.ALIGNMENT).isZero();
        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        for (JsonNode t : tensors) {
            assertThat(Long.parseLong(t.get("offset").asString()) % GgufWriter.ALIGNMENT).isZero();
        }
        int vectorAt = (int) (dataStart + Long.parseLong(tensors.get(1).get("offset").asString()));
        for (int i = 0; i < 64; i++) {
            assertThat(bytes.getFloat(vectorAt + 4 * i)).isEqualTo(vector[i]);
        }
        int halfAt = (int) (dataStart + Long.parseLong(tensors.get(2).get("offset").asString()));
        assertThat(Float.float16ToFloat(bytes.getShort(halfAt + 2 * 7))).isEqualTo(Float.float16ToFloat(
                Float.floatToFloat16(matrix[7])));
        int q8At = (int) (dataStart + Long.parseLong(tensors.get(0).get("offset").asString()));
        for (int block = 0; block < 8; block++) {
            float d = Float.float16ToFloat(bytes.getShort(q8At + 34 * block));
            for (int j = 0; j < 32; j++) {
                float decoded = d * bytes.get(q8At + 34 * block + 2 + j);
                assertThat(Math.abs(decoded - matrix[block * 32 + j])).isLessThanOrEqualTo(d * 0.56f); // half a step + fp16 rounding of d
            }
        }
    }

    @Test
    void q8BlockHoldsHalfScaleAndRoundedQuotients() {
        float[] block = new float[32];
        block[0] = 127f;   // amax: d = 1
        block[1] = -0.5f;  // roundf(-0.5) = -1 (away from zero), not 0
        block[2] = 2.5f;   // 3
        block[3] = -127f;
        ByteBuffer out = ByteBuffer.allocate(34).order(ByteOrder.LITTLE_ENDIAN);
        GgmlType.Q8_0.encode(block, out);
        assertThat(Float.float16ToFloat(out.getShort(0))).isEqualTo(1f);
        assertThat(out.get(2)).isEqualTo((byte) 127);
        assertThat(out.get(3)).isEqualTo((byte) -1);
        assertThat(out.get(4)).isEqualTo((byte) 3);
        assertThat(out.get(5)).isEqualTo((byte) -127);
        assertThat(out.get(6)).isZero();
    }

    @Test
    void allZeroBlockHasZeroScaleAndZeroQuants() {
        ByteBuffer out = ByteBuffer.allocate(34).order(ByteOrder.LITTLE_ENDIAN);
        GgmlType.Q8_0.encode(new float[32], out);
        assertThat(out.array()).containsOnly((byte) 0);
    }

    @Test
    void refusesRowsThatAreNotWholeQ8Blocks() {
        assertThatThrownBy(() -> new GgufWriter().addTensor(
                new GgufWriter.Tensor("x", new long[] {2, 172}, GgmlType.Q8_0, () -> new float[344])))
                .hasMessageContaining("172");
    }

    @Test
    void writesAtomicallyLeavingNoTemporaryFile() throws Exception {
        Path file = dir.resolve("m.gguf");
        new GgufWriter().putString("general.architecture", "llama").write(file);
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("m.gguf");
        }
        assertThat(Files.readAllBytes(file)).startsWith('G', 'G', 'U', 'F', 3, 0, 0, 0);
    }
}
