package io.tuneforge.trainer.training.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.tuneforge.trainer.model.safetensors.SafetensorsDType;
import io.tuneforge.trainer.model.safetensors.SafetensorsWriter;
import io.tuneforge.trainer.training.checkpoint.CheckpointStore;

import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SequencedMap;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * optim adamw_8bit against bitsandbytes' own code (golden file from src/test/python/adamw_8bit_golden.py): the
 * quantization maps, the 8-bit codes and block scales of both moments and the parameters after each of three steps of
 * a toy problem, the 32-bit state of small tensors and embeddings, the bytes the state occupies, and resume.
 */
class AdamW8bitTest {

    private static final JsonNode GOLDEN = load();
    private static final String WEIGHT = "model.layers.0.mlp.up_proj.weight";
    private static final List<String> NAMES = List.of("model.embed_tokens.weight", WEIGHT,
            "model.layers.0.mlp.up_proj.bias", "model.norm.weight");
    private static final AdamWConfig ADAM = new AdamWConfig(0.9, 0.999, 1e-8, 0.1);
    private static final ParameterGroups GROUPS = ParameterGroups.huggingFace(0.1);

    @TempDir
    Path dir;

    private static JsonNode load() {
        try (InputStream in = AdamW8bitTest.class.getResourceAsStream("/training/adamw_8bit_golden.json")) {
            return JsonMapper.builder().build().readTree(in);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void quantizationMapsAreBitsandbytesDynamicMaps() {
        assertThat(BlockwiseQuantizer.SIGNED_MAP).containsExactly(floats(GOLDEN.get("signed_map")));
        assertThat(BlockwiseQuantizer.UNSIGNED_MAP).containsExactly(floats(GOLDEN.get("unsigned_map")));
        assertThat(BlockwiseQuantizer.SIGNED_MAP[255]).isEqualTo(1f);
        assertThat(BlockwiseQuantizer.UNSIGNED_MAP[0]).isZero();
        assertThat(BlockwiseQuantizer.UNSIGNED_MAP[255]).isEqualTo(1f);
    }

    @Test
    void eachBlockKeepsItsAbsmaxAndEachNumberTheNearestCodeWithAPartialLastBlock() {
        BlockwiseQuantizer signed = new BlockwiseQuantizer(BlockwiseQuantizer.SIGNED_MAP);
        float[] values = new float[256 + 10];
        for (int i = 0; i < 256; i++) {
            values[i] = BlockwiseQuantizer.SIGNED_MAP[i] * 2f;      // block 0: every code once, absmax 2
        }
        for (int i = 0; i < 10; i++) {
            values[256 + i] = -0.5f + 0.01f * i;                    // block 1 (10 numbers): absmax 0.5
        }
        byte[] codes = new byte[values.length];
        float[] absmax = new float[BlockwiseQuantizer.blocks(values.length)];
        signed.quantize(values, codes, absmax);
        assertThat(absmax).containsExactly(2f, 0.5f);
        for (int i = 0; i < 256; i++) {
            assertThat(codes[i] & 0xff).as("code of map entry %d", i).isEqualTo(i);
        }
        float[] back = new float[values.length];
        signed.dequantize(codes, absmax, back);
        assertThat(back[256]).isEqualTo(BlockwiseQuantizer.SIGNED_MAP[codes[256] & 0xff] * 0.5f);
        for (int i = 256; i < values.length; i++) {
            assertThat(back[i]).as("number %d", i).isCloseTo(values[i], within(0.5f * 0.01f));
        }
    }

    @Test
    void everyStepMatchesBitsandbytesAdamW8bit() {
        try (NDManager manager = NDManager.newBaseManager()) {
            SequencedMap<String, NDArray> params = initialParameters(manager);
            try (AdamW8bit optimizer = new AdamW8bit(params, ADAM, GROUPS, true, manager)) {
                JsonNode steps = GOLDEN.get("steps");
                for (int t = 0; t < steps.size(); t++) {
                    JsonNode step = steps.get(t);
                    optimizer.step(gradients(manager, params), step.get("lr").asDouble());
                    for (var e : step.get("parameters").properties()) {
                        assertClose(params.get(e.getKey()).toFloatArray(), floats(e.getValue()), 2e-6,
                                "step " + (t + 1) + " " + e.getKey());
                    }
                    for (var e : step.get("state").properties()) {
                        assertStateMatches(optimizer.state(), e.getKey(), e.getValue(), "step " + (t + 1));
                    }
                }
            }
        }
    }

    @Test
    void stateIsOneBytePerMomentForLargeTensorsAndFloat32ForSmallOnesAndEmbeddings() {
        try (NDManager manager = NDManager.newBaseManager()) {
            SequencedMap<String, NDArray> params = initialParameters(manager);
            try (AdamW8bit eight = new AdamW8bit(params, ADAM, GROUPS, true, manager);
                 AdamW thirtyTwo = new AdamW(params, ADAM, GROUPS, manager)) {
                SequencedMap<String, NDArray> state = eight.state();
                assertThat(state.get("state1." + WEIGHT).getDataType()).isEqualTo(DataType.UINT8);
                assertThat(state.get("state2." + WEIGHT).getDataType()).isEqualTo(DataType.UINT8);
                assertThat(state.get("absmax1." + WEIGHT).getShape()).isEqualTo(new Shape(17));
                assertThat(state.get("state1.model.embed_tokens.weight").getDataType()).isEqualTo(DataType.FLOAT32);
                assertThat(state.get("state1.model.norm.weight").getDataType()).isEqualTo(DataType.FLOAT32);
                // the 8-bit weight: 2 moments × 4224 bytes + 2 × 17 block scales × 4 bytes
                long weightBytes = 2L * 4224 + 2L * 17 * 4;
                long smallBytes = 2L * 4 * (64 * 64 + 66 + 64);
                assertThat(eight.stateBytes()).isEqualTo(weightBytes + smallBytes);
                long adamBytes = thirtyTwo.state().values().stream().mapToLong(a -> a.size() * 4).sum();
                assertThat(adamBytes - eight.stateBytes()).isEqualTo(2L * 4 * 4224 - weightBytes);
            }
        }
    }

    @Test
    void embeddingsAndSmallTensorsKeep32BitStateAsTheTrainerAndBitsandbytesDecide() {
        assertThat(AdamW8bit.quantizes("model.layers.0.mlp.up_proj.weight", 4096)).isTrue();
        assertThat(AdamW8bit.quantizes("model.layers.0.mlp.up_proj.weight", 4095)).isFalse();
        assertThat(AdamW8bit.quantizes("model.embed_tokens.weight", 1 << 20)).isFalse();
        assertThat(AdamW8bit.quantizes("transformer.wte.weight", 1 << 20)).isFalse();
        assertThat(AdamW8bit.quantizes("model.embed_tokens.lora_embedding_A.default", 1 << 20)).isTrue();
        assertThat(AdamW8bit.quantizes("lm_head.weight", 1 << 20)).isTrue();
    }

    @Test
    void resumingFromSavedStateEqualsTheUninterruptedRun() throws Exception {
        double[] lrs = {1e-2, 2e-2, 1.5e-2, 5e-3};
        float[] whole;
        try (NDManager manager = NDManager.newBaseManager()) {
            SequencedMap<String, NDArray> params = initialParameters(manager);
            try (AdamW8bit optimizer = new AdamW8bit(params, ADAM, GROUPS, true, manager)) {
                for (double lr : lrs) {
                    optimizer.step(gradients(manager, params), lr);
                }
            }
            whole = params.get(WEIGHT).toFloatArray();
        }
        Path file = dir.resolve("optimizer.safetensors");
        Map<String, float[]> paramsAtTwo = new LinkedHashMap<>();
        try (NDManager manager = NDManager.newBaseManager()) {
            SequencedMap<String, NDArray> params = initialParameters(manager);
            try (AdamW8bit optimizer = new AdamW8bit(params, ADAM, GROUPS, true, manager)) {
                optimizer.step(gradients(manager, params), lrs[0]);
                optimizer.step(gradients(manager, params), lrs[1]);
                SafetensorsWriter.writeFile(file, optimizer.state(), SafetensorsDType.F32);
            }
            params.forEach((n, p) -> paramsAtTwo.put(n, p.toFloatArray()));
        }
        try (NDManager manager = NDManager.newBaseManager()) {
            SequencedMap<String, NDArray> params = initialParameters(manager);
            params.forEach((n, p) -> p.set(paramsAtTwo.get(n)));
            try (AdamW8bit optimizer = new AdamW8bit(params, ADAM, GROUPS, true, manager)) {
                Map<String, NDArray> saved = CheckpointStore.readTensors(file, manager);
                assertThat(saved.get("state1." + WEIGHT).getDataType()).isEqualTo(DataType.UINT8);
                optimizer.restore(saved, 2);
                optimizer.step(gradients(manager, params), lrs[2]);
                optimizer.step(gradients(manager, params), lrs[3]);
            }
            assertThat(params.get(WEIGHT).toFloatArray()).containsExactly(whole);
        }
    }

    @Test
    void aCheckpointOfAdamwTorchIsRefusedByName() {
        try (NDManager manager = NDManager.newBaseManager()) {
            SequencedMap<String, NDArray> params = initialParameters(manager);
            try (AdamW8bit optimizer = new AdamW8bit(params, ADAM, GROUPS, true, manager)) {
                Map<String, NDArray> floatState = new LinkedHashMap<>();
                optimizer.state().forEach((k, v) -> floatState.put(k, v.toType(DataType.FLOAT32, true)));
                assertThatThrownBy(() -> optimizer.restore(floatState, 1))
                        .hasMessageContaining("state1." + WEIGHT).hasMessageContaining("another optim");
            }
        }
    }

    @Test
    void huggingFaceNamesOfTheSameOptimizerParse() {
        assertThat(OptimizerType.fromConfigName("adamw_8bit")).isEqualTo(OptimizerType.ADAMW_8BIT);
        assertThat(OptimizerType.fromConfigName("adamw_bnb_8bit")).isEqualTo(OptimizerType.ADAMW_8BIT);
        assertThat(OptimizerType.fromConfigName("paged_adamw_8bit")).isEqualTo(OptimizerType.ADAMW_8BIT);
        assertThat(OptimizerType.fromConfigName("paged_adamw_32bit")).isEqualTo(OptimizerType.PAGED_ADAMW_32BIT);
    }

    private static void assertStateMatches(SequencedMap<String, NDArray> state, String name, JsonNode expected,
                                           String where) {
        if (expected.get("dtype").asString().equals("uint8")) {
            byte[] codes1 = state.get("state1." + name).toByteArray();
            byte[] codes2 = state.get("state2." + name).toByteArray();
            assertCodes(codes1, bytes(expected.get("state1")), where + " exp_avg codes");
            assertCodes(codes2, bytes(expected.get("state2")), where + " exp_avg_sq codes");
            assertClose(state.get("absmax1." + name).toFloatArray(), floats(expected.get("absmax1")), 1e-6,
                    where + " absmax1");
            assertClose(state.get("absmax2." + name).toFloatArray(), floats(expected.get("absmax2")), 1e-6,
                    where + " absmax2");
        } else {
            assertClose(state.get("state1." + name).toFloatArray(), floats(expected.get("state1")), 1e-6,
                    where + " state1 " + name);
            assertClose(state.get("state2." + name).toFloatArray(), floats(expected.get("state2")), 1e-6,
                    where + " state2 " + name);
        }
    }

    /** Codes equal bitsandbytes' (float32 rounding of √ may move a value across a midpoint: at most 1 code, rarely). */
    private static void assertCodes(byte[] actual, byte[] expected, String what) {
        assertThat(actual).as(what).hasSameSizeAs(expected);
        int differing = 0;
        for (int i = 0; i < actual.length; i++) {
            int a = actual[i] & 0xff;
            int e = expected[i] & 0xff;
            assertThat(Math.abs(a - e)).as("%s[%d]", what, i).isLessThanOrEqualTo(1);
            differing += a == e ? 0 : 1;
        }
        assertThat(differing).as(what + ": codes off by one").isLessThanOrEqualTo(actual.length / 1000);
    }

    private static void assertClose(float[] actual, float[] expected, double tolerance, String what) {
        assertThat(actual).as(what).hasSameSizeAs(expected);
        for (int i = 0; i < actual.length; i++) {
            assertThat(actual[i]).as("%s[%d]", what, i).isCloseTo(expected[i],
                    within((float) (tolerance * Math.max(1.0, Math.abs(expected[i])))));
        }
    }

    /** The generator's parameters: 0.5·sin(0.37·k + j) for parameter j at flat index k. */
    private static SequencedMap<String, NDArray> initialParameters(NDManager manager) {
        SequencedMap<String, NDArray> params = new LinkedHashMap<>();
        for (int j = 0; j < NAMES.size(); j++) {
            Shape shape = shape(NAMES.get(j));
            float[] v = new float[(int) shape.size()];
            for (int k = 0; k < v.length; k++) {
                v[k] = (float) (0.5 * Math.sin(k * 0.37 + j));
            }
            params.put(NAMES.get(j), manager.create(v, shape));
        }
        return params;
    }

    /** g = (p − t)·s with t = 0.3·cos(0.11·k + j) and s = 10^−((k / 256) mod 4), in float32. */
    private static Map<String, NDArray> gradients(NDManager manager, SequencedMap<String, NDArray> params) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        int j = 0;
        for (Map.Entry<String, NDArray> e : params.entrySet()) {
            float[] p = e.getValue().toFloatArray();
            float[] g = new float[p.length];
            for (int k = 0; k < p.length; k++) {
                float target = (float) (0.3 * Math.cos(k * 0.11 + j));
                float scale = (float) Math.pow(10.0, -((k / 256) % 4));
                g[k] = (p[k] - target) * scale;
            }
            out.put(e.getKey(), manager.create(g, e.getValue().getShape()));
            j++;
        }
        return out;
    }

    private static Shape shape(String name) {
        JsonNode dims = GOLDEN.get("shapes").get(name);
        long[] d = new long[dims.size()];
        for (int i = 0; i < d.length; i++) {
            d[i] = dims.get(i).asLong();
        }
        return new Shape(d);
    }

    private static byte[] bytes(JsonNode base64) {
        return Base64.getDecoder().decode(base64.asString());
    }

    private static float[] floats(JsonNode base64) {
        ByteBuffer buffer = ByteBuffer.wrap(bytes(base64)).order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[buffer.remaining() / 4];
        buffer.asFloatBuffer().get(out);
        return out;
    }
}
