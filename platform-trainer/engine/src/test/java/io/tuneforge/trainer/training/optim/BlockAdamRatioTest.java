package io.tuneforge.trainer.training.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SequencedMap;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * BAdam's ratio mode against BAdam's own BlockOptimizerRatio (golden file from src/test/python/badam_ratio_golden.py):
 * adjacent and scatter masks, two ratios, switches every 2 and 3 steps; every trainable parameter after each of five
 * steps, the frozen embedding and LM head, and resume.
 */
class BlockAdamRatioTest {

    private static final JsonNode GOLDEN = load();
    private static final AdamWConfig ADAM = new AdamWConfig(0.9, 0.999, 1e-8, 0.1);

    private static JsonNode load() {
        try (InputStream in = BlockAdamRatioTest.class.getResourceAsStream("/training/badam_ratio_golden.json")) {
            return JsonMapper.builder().build().readTree(in);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void everyStepOfEachCaseMatchesBadamsBlockOptimizerRatio() {
        for (JsonNode c : GOLDEN.get("cases")) {
            try (NDManager manager = NDManager.newBaseManager()) {
                SequencedMap<String, NDArray> params = initialParameters(manager);
                Map<String, float[]> initial = snapshot(params);
                try (BlockAdamRatio optimizer = new BlockAdamRatio(params, ADAM, settings(c), manager)) {
                    JsonNode steps = c.get("steps");
                    for (int t = 0; t < steps.size(); t++) {
                        step(optimizer, manager, params, t, steps.get(t).get("lr").asDouble());
                        for (var e : steps.get(t).get("parameters").properties()) {
                            float[] expected = floats(e.getValue());
                            float[] actual = params.get(e.getKey()).toFloatArray();
                            for (int i = 0; i < expected.length; i++) {
                                assertThat(actual[i]).as("%s step %d %s[%d]", c.get("name").asString(), t + 1,
                                        e.getKey(), i).isCloseTo(expected[i], within(2e-6f));
                            }
                        }
                    }
                }
                assertThat(params.get("model.embed_tokens.weight").toFloatArray())
                        .containsExactly(initial.get("model.embed_tokens.weight"));
                assertThat(params.get("lm_head.weight").toFloatArray()).containsExactly(initial.get("lm_head.weight"));
            }
        }
    }

    @Test
    void onlyTheShareOfEntriesChangesEachStepAndTheMomentsAreThatSmall() {
        JsonNode c = GOLDEN.get("cases").get(0);
        try (NDManager manager = NDManager.newBaseManager()) {
            SequencedMap<String, NDArray> params = initialParameters(manager);
            try (BlockAdamRatio optimizer = new BlockAdamRatio(params, ADAM, settings(c), manager)) {
                String q = "model.layers.0.self_attn.q_proj.weight";
                float[] before = params.get(q).toFloatArray();
                step(optimizer, manager, params, 0, 1e-2);
                float[] after = params.get(q).toFloatArray();
                int changed = 0;
                for (int i = 0; i < before.length; i++) {
                    changed += before[i] == after[i] ? 0 : 1;
                }
                assertThat(changed).isEqualTo(25);                       // int(256 · 0.1), consecutive from 0
                assertThat(optimizer.state().get("exp_avg." + q).getShape()).isEqualTo(new Shape(25));
                assertThat(optimizer.readsGradient("model.embed_tokens.weight")).isFalse();
                assertThat(optimizer.readsGradient("lm_head.weight")).isFalse();
            }
        }
    }

    @Test
    void resumingFromSavedStateEqualsTheUninterruptedRun() {
        for (JsonNode c : GOLDEN.get("cases")) {
            Map<String, float[]> whole;
            try (NDManager manager = NDManager.newBaseManager()) {
                SequencedMap<String, NDArray> params = initialParameters(manager);
                try (BlockAdamRatio optimizer = new BlockAdamRatio(params, ADAM, settings(c), manager)) {
                    for (int t = 0; t < 5; t++) {
                        step(optimizer, manager, params, t, 1e-2);
                    }
                }
                whole = snapshot(params);
            }
            try (NDManager manager = NDManager.newBaseManager()) {
                SequencedMap<String, NDArray> params = initialParameters(manager);
                Map<String, NDArray> saved = new LinkedHashMap<>();
                try (BlockAdamRatio optimizer = new BlockAdamRatio(params, ADAM, settings(c), manager)) {
                    for (int t = 0; t < 2; t++) {
                        step(optimizer, manager, params, t, 1e-2);
                    }
                    optimizer.state().forEach((k, v) -> saved.put(k, manager.create(v.toFloatArray(), v.getShape())));
                }
                try (BlockAdamRatio resumed = new BlockAdamRatio(params, ADAM, settings(c), manager)) {
                    resumed.restore(saved, 2);
                    for (int t = 2; t < 5; t++) {
                        step(resumed, manager, params, t, 1e-2);
                    }
                }
                Map<String, float[]> parts = snapshot(params);
                whole.forEach((n, w) -> assertThat(parts.get(n)).as(c.get("name").asString() + " " + n)
                        .containsExactly(w));
            }
        }
    }

    @Test
    void settingsRefuseARatioOutsideBadamsRange() {
        assertThatThrownBy(() -> new BlockAdamRatio.Settings(0, BlockAdamRatio.MaskMode.ADJACENT, 100, 1))
                .hasMessageContaining("badam_update_ratio");
        assertThatThrownBy(() -> new BlockAdamRatio.Settings(1.5, BlockAdamRatio.MaskMode.ADJACENT, 100, 1))
                .hasMessageContaining("badam_update_ratio");
    }

    /** One step as the trainer does it: BAdam's hook on each gradient, then the update. */
    private static void step(BlockAdamRatio optimizer, NDManager manager, SequencedMap<String, NDArray> params, int t,
                             double lr) {
        Map<String, NDArray> grads = new LinkedHashMap<>();
        int j = 0;
        for (Map.Entry<String, NDArray> e : params.entrySet()) {
            if (optimizer.readsGradient(e.getKey())) {
                float[] g = new float[(int) e.getValue().size()];
                for (int k = 0; k < g.length; k++) {
                    g[k] = (float) (0.1 * Math.cos(k * 0.23 + 0.7 * j + 1.3 * t));
                }
                NDArray grad = manager.create(g, e.getValue().getShape());
                optimizer.prepareGradient(e.getKey(), grad);
                grads.put(e.getKey(), grad);
            }
            j++;
        }
        optimizer.step(grads, lr);
    }

    private static BlockAdamRatio.Settings settings(JsonNode c) {
        return new BlockAdamRatio.Settings(c.get("update_ratio").asDouble(),
                BlockAdamRatio.MaskMode.fromConfigName(c.get("mask_mode").asString()), c.get("switch_every").asInt(),
                GOLDEN.get("seed").asLong());
    }

    /** 0.5·sin(0.37·k + j) for parameter j at flat index k. */
    private static SequencedMap<String, NDArray> initialParameters(NDManager manager) {
        SequencedMap<String, NDArray> params = new LinkedHashMap<>();
        int j = 0;
        for (var e : GOLDEN.get("shapes").properties()) {
            long[] dims = new long[e.getValue().size()];
            for (int i = 0; i < dims.length; i++) {
                dims[i] = e.getValue().get(i).asLong();
            }
            Shape shape = new Shape(dims);
            float[] v = new float[(int) shape.size()];
            for (int k = 0; k < v.length; k++) {
                v[k] = (float) (0.5 * Math.sin(k * 0.37 + j));
            }
            params.put(e.getKey(), manager.create(v, shape));
            j++;
        }
        return params;
    }

    private static Map<String, float[]> snapshot(SequencedMap<String, NDArray> params) {
        Map<String, float[]> out = new LinkedHashMap<>();
        params.forEach((n, p) -> out.put(n, p.toFloatArray()));
        return out;
    }

    private static float[] floats(JsonNode base64) {
        ByteBuffer buffer = ByteBuffer.wrap(Base64.getDecoder().decode(base64.asString()))
                .order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[buffer.remaining() / 4];
        buffer.asFloatBuffer().get(out);
        return out;
    }
}
