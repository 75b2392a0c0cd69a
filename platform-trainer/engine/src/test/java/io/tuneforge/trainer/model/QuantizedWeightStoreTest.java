package io.tuneforge.trainer.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;

import java.io.IOException;
import java.io.InputStream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The committed {@code quantized_weights.pt} stores exactly what bitsandbytes stores for the same weight (packed
 * NF4/FP4 codes, block absmax, double-quantized scales with their offset, int8 rows), dequantizes to the same values
 * and multiplies with them, against {@code kernels/bnb-reference.json} from {@code src/test/python/bnb_reference.py}
 * (an independent NumPy transcription of bitsandbytes' algorithm and constants).
 */
class QuantizedWeightStoreTest {

    private static JsonNode cases;

    @BeforeAll
    static void readReference() throws IOException {
        try (InputStream in = QuantizedWeightStoreTest.class.getResourceAsStream("/kernels/bnb-reference.json")) {
            cases = JsonMapper.builder().build().readTree(in).get("cases");
        }
    }

    private static JsonNode reference(String name) {
        for (JsonNode c : cases) {
            if (c.get("name").asString().equals(name)) {
                return c;
            }
        }
        throw new IllegalArgumentException("no reference case " + name);
    }

    /** The generator's weight: 0.5·sin(0.37·k + 2)·(0.1 + 0.2·(row mod 5)) over the flat index k. */
    static float[] weight(int rows, int cols) {
        float[] out = new float[rows * cols];
        for (int k = 0; k < out.length; k++) {
            out[k] = (float) (Math.sin(k * 0.37 + 2.0) * 0.5 * (0.1 + 0.2 * ((k / cols) % 5)));
        }
        return out;
    }

    private static Quantization quantization(JsonNode c) {
        return c.get("bits").asInt() == 8 ? Quantization.eightBit()
                : Quantization.fourBit(Quantization.Type.parse(c.get("type").asString()),
                c.get("double_quantization").asBoolean());
    }

    private static float[] floats(JsonNode node) {
        float[] out = new float[node.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) node.get(i).asDouble();
        }
        return out;
    }

    private static long[] unsigned(NDArray codes) {
        byte[] bytes = codes.toByteArray();
        long[] out = new long[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            out[i] = codes.getDataType() == ai.djl.ndarray.types.DataType.UINT8 ? bytes[i] & 0xFF : bytes[i];
        }
        return out;
    }

    @ParameterizedTest
    @ValueSource(strings = {"nf4", "nf4_plain", "fp4", "fp4_plain", "nf4_two_scale_blocks", "int8"})
    void storesTheCodesAndScalesBitsandbytesStores(String name) {
        JsonNode c = reference(name);
        int rows = c.get("rows").asInt();
        int cols = c.get("cols").asInt();
        try (NDManager manager = NDManager.newBaseManager();
             QuantizedWeightStore store = new QuantizedWeightStore(manager, quantization(c), Precision.FP32)) {
            QuantizedWeightStore.Weight w = store.add(manager.create(weight(rows, cols), new Shape(rows, cols)));
            long[] codes = unsigned(w.codes(manager));
            JsonNode want = c.get("codes");
            assertThat(codes).hasSize(want.size());
            for (int i = 0; i < codes.length; i++) {
                assertThat(codes[i]).as("%s code byte %d", name, i).isEqualTo(want.get(i).asLong());
            }
            NDArray scales = w.scales(manager);
            JsonNode wantScales = c.get("scales");
            if (c.get("double_quantization").asBoolean()) {
                long[] q = unsigned(scales);
                for (int i = 0; i < q.length; i++) {
                    assertThat(q[i]).as("%s scale code %d", name, i).isEqualTo(wantScales.get(i).asLong());
                }
                assertThat(w.scales2(manager).toFloatArray()).containsExactly(floats(c.get("scales2")));
                assertThat(w.offset(manager).getFloat()).isEqualTo((float) c.get("offset").asDouble());
            } else {
                assertThat(scales.toFloatArray()).containsExactly(floats(wantScales));
            }
            if (c.has("dequantized")) {
                float[] deq = w.widen().toFloatArray();
                float[] wantDeq = floats(c.get("dequantized"));
                for (int i = 0; i < deq.length; i++) {
                    assertThat(deq[i]).as("%s dequantized %d", name, i).isCloseTo(wantDeq[i], within(1e-7f));
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"nf4", "fp4", "int8"})
    void projectsWithTheDequantizedWeightAndTheGradientReachesTheInput(String name) {
        JsonNode c = reference(name);
        int rows = c.get("rows").asInt();
        int cols = c.get("cols").asInt();
        for (Precision compute : Precision.values()) {
            double tolerance = compute == Precision.FP32 ? 1e-4 : 3e-2;
            try (NDManager manager = NDManager.newBaseManager();
                 QuantizedWeightStore store = new QuantizedWeightStore(manager, quantization(c), compute)) {
                QuantizedWeightStore.Weight w = store.add(manager.create(weight(rows, cols), new Shape(rows, cols)));
                NDArray x = manager.create(TorchScriptKernelsTest.fixed(6L * cols, 1.0), new Shape(2, 3, cols));
                x.setRequiresGradient(true);
                float[] y;
                try (NDManager step = manager.newSubManager();
                     GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                    NDArray out = w.project(step, x);                                          // (2, 3, rows)
                    assertThat(out.getShape()).isEqualTo(new Shape(2, 3, rows));
                    y = out.toFloatArray();
                    collector.backward(out.sum());
                }
                float[] wantY = floats(c.get("y"));
                for (int i = 0; i < y.length; i++) {
                    assertThat(y[i]).as("%s %s y %d", name, compute, i).isCloseTo(wantY[i],
                            within((float) (tolerance * Math.max(1, Math.abs(wantY[i])))));
                }
                float[] grad = x.getGradient().toFloatArray();
                float[] wantRow = floats(c.get("x_grad_row"));
                for (int i = 0; i < grad.length; i++) {
                    assertThat(grad[i]).as("%s %s dx %d", name, compute, i).isCloseTo(wantRow[i % cols],
                            within((float) (tolerance * Math.max(1, Math.abs(wantRow[i % cols])))));
                }
            }
        }
    }

    @Test
    void fourBitWeightsTakeUnderThreTenthsOfTheirBf16Size() {
        int rows = 256;
        int cols = 1024;
        long bf16Bytes = 2L * rows * cols;
        for (boolean doubleQuantization : new boolean[] {true, false}) {
            try (NDManager manager = NDManager.newBaseManager();
                 QuantizedWeightStore store = new QuantizedWeightStore(manager,
                         Quantization.fourBit(Quantization.Type.NF4, doubleQuantization), Precision.FP32)) {
                store.add(manager.create(weight(rows, cols), new Shape(rows, cols)));
                double ratio = (double) store.bytes() / bf16Bytes;
                // codes: n/2 bytes; scales n/64·4 (0.281×) or n/64 + n/16384·4 + 4 (0.258× with double quantization)
                assertThat(ratio).as("double quantization %s", doubleQuantization).isLessThanOrEqualTo(0.3);
                assertThat(store.parameters()).isEqualTo((long) rows * cols);
            }
        }
        try (NDManager manager = NDManager.newBaseManager();
             QuantizedWeightStore store = new QuantizedWeightStore(manager, Quantization.eightBit(), Precision.FP32)) {
            store.add(manager.create(weight(rows, cols), new Shape(rows, cols)));
            assertThat((double) store.bytes() / bf16Bytes).isCloseTo(0.5, within(0.01));
        }
    }

    @Test
    void bitsOtherThanFourOrEightAreRefused() {
        assertThatThrownBy(() -> new Quantization(3, Quantization.Type.NF4, false))
                .isInstanceOf(ModelConfigException.class).hasMessageContaining("4 or 8");
        assertThatThrownBy(() -> Quantization.Type.parse("int4")).isInstanceOf(ModelConfigException.class)
                .hasMessageContaining("nf4 or fp4");
    }
}
