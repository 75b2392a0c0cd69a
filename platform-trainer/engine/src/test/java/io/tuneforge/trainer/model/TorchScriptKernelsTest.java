package io.tuneforge.trainer.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.tuneforge.trainer.model.safetensors.Bf16;
import io.tuneforge.trainer.model.safetensors.SafetensorsDType;
import io.tuneforge.trainer.model.safetensors.SafetensorsReader;
import io.tuneforge.trainer.model.safetensors.SafetensorsWriter;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The committed TorchScript archives compute what their generator ({@code src/main/python/torchscript_kernels.py})
 * recorded in {@code kernels/kernel-reference.json} for the same fixed inputs, forward and backward, and SDPA equals
 * attention written out op by op.
 */
class TorchScriptKernelsTest {

    private static JsonNode reference;

    @BeforeAll
    static void readReference() throws IOException {
        try (InputStream in = TorchScriptKernelsTest.class.getResourceAsStream("/kernels/kernel-reference.json")) {
            reference = JsonMapper.builder().build().readTree(in);
        }
    }

    /** The generator's inputs: 0.5·sin(0.37·i + seed) over the flat index. */
    static float[] fixed(long n, double seed) {
        float[] out = new float[(int) n];
        for (int i = 0; i < n; i++) {
            out[i] = (float) (Math.sin(i * 0.37 + seed) * 0.5);
        }
        return out;
    }

    static ByteBuffer bf16Bits(float[] values) {
        ByteBuffer bits = ByteBuffer.allocateDirect(2 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            bits.putShort(Bf16.fromFloat(v));
        }
        return bits.flip();
    }

    private static float[] expected(String section, String field) {
        JsonNode node = reference.get(section).get(field);
        float[] out = new float[node.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) node.get(i).asDouble();
        }
        return out;
    }

    private static void assertClose(float[] actual, float[] expected, double tolerance) {
        assertThat(actual).hasSameSizeAs(expected);
        for (int i = 0; i < actual.length; i++) {
            assertThat(actual[i]).as("element %d", i).isCloseTo(expected[i], within((float) tolerance));
        }
    }

    @Test
    void everyBf16BitPatternIsStoredExactly() {
        try (NDManager manager = NDManager.newBaseManager(); Bf16WeightStore store = new Bf16WeightStore(manager)) {
            ByteBuffer all = ByteBuffer.allocateDirect(2 * 65536).order(ByteOrder.LITTLE_ENDIAN);
            for (int bits = 0; bits < 65536; bits++) {
                all.putShort((short) bits);
            }
            float[] widened = store.add(all.flip(), 256, 256).widen().toFloatArray();
            for (int bits = 0; bits < 65536; bits++) {
                float want = Bf16.toFloat((short) bits);
                if (Float.isNaN(want)) {
                    assertThat(widened[bits]).as("pattern %04x", bits).isNaN();
                } else {
                    assertThat(Float.floatToRawIntBits(widened[bits])).as("pattern %04x", bits)
                            .isEqualTo(Float.floatToRawIntBits(want));
                }
            }
            assertThat(store.bytes()).isEqualTo(2 * 65536);
        }
    }

    @Test
    void bf16WeightStoreMatchesItsGeneratorForwardAndBackward() {
        try (NDManager manager = NDManager.newBaseManager(); Bf16WeightStore store = new Bf16WeightStore(manager)) {
            Bf16WeightStore.Weight weight = store.add(bf16Bits(fixed(40, 2.0)), 5, 8);                  // (5, 8)
            NDArray x = manager.create(fixed(48, 1.0), new Shape(2, 3, 8));                             // (2, 3, 8)
            x.setRequiresGradient(true);
            float[] y;
            try (NDManager step = manager.newSubManager();
                 GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                NDArray out = weight.project(step, x);                                                  // (2, 3, 5)
                assertThat(out.getShape()).isEqualTo(new Shape(2, 3, 5));
                y = out.toFloatArray();
                collector.backward(out.sum());
            }
            assertClose(y, expected("bf16_weights", "y"), 1e-3);
            assertClose(x.getGradient().toFloatArray(), expected("bf16_weights", "x_grad"), 1e-3);
            assertClose(weight.widen().toFloatArray(), expected("bf16_weights", "w_widened"), 0);
        }
    }

    @Test
    void aWeightReadFromACheckpointInRowChunksIsStoredAndLookedUpAsItsGeneratorDoes(@TempDir Path dir)
            throws IOException {
        try (NDManager manager = NDManager.newBaseManager(); Bf16WeightStore store = new Bf16WeightStore(manager)) {
            for (SafetensorsDType dtype : List.of(SafetensorsDType.F32, SafetensorsDType.BF16)) {
                Path file = dir.resolve(dtype + ".safetensors");
                SafetensorsWriter.writeFile(file, new LinkedHashMap<>(Map.of("w",
                        manager.create(fixed(40, 2.0), new Shape(5, 8)))), dtype);                      // (5, 8)
                try (SafetensorsReader reader = SafetensorsReader.open(file)) {
                    Bf16WeightStore.Weight weight = store.add(reader, "w", 5, 8, 2);                   // 2 + 2 + 1 rows
                    assertClose(weight.widen().toFloatArray(), expected("bf16_weights", "chunked_widened"), 0);
                    float[] idsAsFloats = expected("bf16_weights", "ids");
                    long[] ids = new long[idsAsFloats.length];
                    for (int i = 0; i < ids.length; i++) {
                        ids[i] = (long) idsAsFloats[i];
                    }
                    try (NDManager step = manager.newSubManager()) {
                        NDArray rows = weight.lookup(step, step.create(ids, new Shape(2, 3)));        // (2, 3, 8)
                        assertThat(rows.getShape()).isEqualTo(new Shape(2, 3, 8));
                        assertClose(rows.toFloatArray(), expected("bf16_weights", "lookup"), 0);
                    }
                }
            }
            assertThat(store.size()).isEqualTo(2);
            assertThat(store.bytes()).isEqualTo(2 * 2 * 40);
        }
    }

    @Test
    void autocastLinearMatchesItsGeneratorAndTrainsItsFloat32Weight() {
        try (NDManager manager = NDManager.newBaseManager();
             ScriptedModule linear = ScriptedModule.load(manager, "bf16_linear.pt")) {
            NDArray x = manager.create(fixed(48, 1.0), new Shape(2, 3, 8));                             // (2, 3, 8)
            NDArray w = manager.create(fixed(40, 2.0), new Shape(5, 8));                                // (5, 8)
            x.setRequiresGradient(true);
            w.setRequiresGradient(true);
            float[] y;
            try (NDManager step = manager.newSubManager();
                 GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                NDArray out = linear.call(step, x, w);                                                  // (2, 3, 5)
                y = out.toFloatArray();
                collector.backward(out.sum());
            }
            assertClose(y, expected("bf16_linear", "y"), 1e-3);
            assertClose(x.getGradient().toFloatArray(), expected("bf16_linear", "x_grad"), 1e-3);
            assertClose(w.getGradient().toFloatArray(), expected("bf16_linear", "w_grad"), 1e-3);
        }
    }

    @Test
    void sdpaMatchesItsGeneratorWithGroupedHeadsCausalAndWindowedMasks() {
        for (String name : new String[] {"sdpa_fp32", "sdpa_bf16"}) {
            double tolerance = name.equals("sdpa_fp32") ? 1e-5 : 2e-2;
            try (NDManager manager = NDManager.newBaseManager();
                 ScriptedModule sdpa = ScriptedModule.load(manager, name + ".pt")) {
                NDArray q = manager.create(fixed(192, 3.0), new Shape(1, 4, 6, 8));                    // (B, H, T, hd)
                NDArray k = manager.create(fixed(96, 4.0), new Shape(1, 2, 6, 8));                     // (B, KV, S, hd)
                NDArray v = manager.create(fixed(96, 5.0), new Shape(1, 2, 6, 8));                     // (B, KV, S, hd)
                for (NDArray input : new NDArray[] {q, k, v}) {
                    input.setRequiresGradient(true);
                }
                float[] out;
                try (NDManager step = manager.newSubManager();
                     GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                    NDArray result = sdpa.call(step, q, k, v, step.zeros(new Shape()));                // (1, 4, 6, 8)
                    out = result.toFloatArray();
                    collector.backward(result.sum());
                }
                assertClose(out, expected(name, "out"), tolerance);
                assertClose(q.getGradient().toFloatArray(), expected(name, "q_grad"), tolerance);
                assertClose(k.getGradient().toFloatArray(), expected(name, "k_grad"), tolerance);
                assertClose(v.getGradient().toFloatArray(), expected(name, "v_grad"), tolerance);
                try (NDManager step = manager.newSubManager()) {
                    NDArray windowed = sdpa.call(step, q, k, v, mask(step, 6, 3));
                    assertClose(windowed.toFloatArray(), expected(name, "out_window"), tolerance);
                }
            }
        }
    }

    @Test
    void sdpaEqualsAttentionWrittenOutOpByOp() {
        try (NDManager manager = NDManager.newBaseManager();
             ScriptedModule sdpa = ScriptedModule.load(manager, "sdpa_fp32.pt")) {
            NDArray q = manager.create(fixed(2 * 8 * 10 * 16, 0.3), new Shape(2, 8, 10, 16));        // (B, H, T, hd)
            NDArray k = manager.create(fixed(2 * 2 * 10 * 16, 0.7), new Shape(2, 2, 10, 16));        // (B, KV, S, hd)
            NDArray v = manager.create(fixed(2 * 2 * 10 * 16, 1.1), new Shape(2, 2, 10, 16));        // (B, KV, S, hd)
            for (int window : new int[] {Integer.MAX_VALUE, 4}) {
                try (NDManager step = manager.newSubManager()) {
                    NDArray mask = mask(step, 10, window);                                              // (T, S)
                    NDArray fused = sdpa.call(step, q, k, v, window == Integer.MAX_VALUE ? step.zeros(new Shape()) : mask);
                    assertClose(fused.toFloatArray(), manual(q, k, v, mask).toFloatArray(), 1e-5);
                }
            }
        }
    }

    /** softmax(q·kᵀ/√hd + mask)·v with key/value head h / (H/KV) for query head h. */
    private static NDArray manual(NDArray q, NDArray k, NDArray v, NDArray mask) {
        long groups = q.getShape().get(1) / k.getShape().get(1);
        NDArray keys = k.repeat(1, groups);                                                             // (B, H, S, hd)
        NDArray values = v.repeat(1, groups);                                                           // (B, H, S, hd)
        double scale = 1 / Math.sqrt(q.getShape().get(3));
        NDArray scores = q.matMul(keys.transpose(0, 1, 3, 2)).mul(scale).add(mask);                   // (B, H, T, S)
        return scores.softmax(3).matMul(values);                                                        // (B, H, T, hd)
    }

    /** Additive (T, T) mask: query i sees keys j ≤ i with i − j < window. */
    private static NDArray mask(NDManager manager, int t, int window) {
        float[] m = new float[t * t];
        for (int i = 0; i < t; i++) {
            for (int j = 0; j < t; j++) {
                m[i * t + j] = j <= i && i - j < window ? 0f : -1e9f;
            }
        }
        return manager.create(m, new Shape(t, t));
    }
}
