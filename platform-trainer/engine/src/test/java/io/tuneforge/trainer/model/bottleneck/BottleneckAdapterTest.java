package io.tuneforge.trainer.model.bottleneck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.tuneforge.trainer.model.AdapterFiles;
import io.tuneforge.trainer.model.FineTuning;
import io.tuneforge.trainer.model.LlamaModel;
import io.tuneforge.trainer.model.ModelOptions;
import io.tuneforge.trainer.model.bottleneck.BottleneckConfig.NonLinearity;
import io.tuneforge.trainer.model.bottleneck.BottleneckConfig.Placement;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Bottleneck adapters: the formula by hand, the identity at step 0, placement, and the documented save format. */
class BottleneckAdapterTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final long[] INPUT = {1, 5, 9, 17, 33, 2, 60};

    @TempDir
    Path dir;

    private static Path tinyLlama() {
        try {
            return Path.of(BottleneckAdapterTest.class.getResource("/prefix/tiny-llama").toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static float[] logits(LlamaModel model) {
        try (NDManager step = NDManager.newBaseManager()) {
            NDArray ids = step.create(INPUT, new Shape(1, INPUT.length));
            return model.logits(step, model.hiddenStates(step, ids, false)).toFloatArray();
        }
    }

    private static float[] random(Random r, int n) {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = (float) r.nextGaussian();
        }
        return out;
    }

    private static double activation(NonLinearity f, double x) {
        return switch (f) {
            case RELU -> Math.max(0, x);
            case GELU -> 0.5 * x * (1 + erf(x / Math.sqrt(2)));
            case SWISH -> x / (1 + Math.exp(-x));
            case TANH -> Math.tanh(x);
        };
    }

    /** erf by Abramowitz-Stegun 7.1.26 (|error| below 1.5e-7). */
    private static double erf(double x) {
        double t = 1 / (1 + 0.3275911 * Math.abs(x));
        double y = 1 - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t + 0.254829592)
                * t * Math.exp(-x * x);
        return Math.signum(x) * y;
    }

    @Test
    void forwardEqualsTheResidualBottleneckByHandForEachNonLinearity() {
        int c = 6;
        int r = 3;
        int rows = 4;
        Random random = new Random(1);
        float[] z = random(random, rows * c);
        float[] down = random(random, r * c);
        float[] downBias = random(random, r);
        float[] up = random(random, c * r);
        float[] upBias = random(random, c);
        for (NonLinearity f : NonLinearity.values()) {
            float[] actual;
            try (NDManager m = NDManager.newBaseManager()) {
                BottleneckAdapter adapter = new BottleneckAdapter(m.create(down, new Shape(r, c)),
                        m.create(downBias, new Shape(r)), m.create(up, new Shape(c, r)), m.create(upBias, new Shape(c)), f);
                actual = adapter.forward(m, m.create(z, new Shape(1, rows, c))).toFloatArray();
            }
            for (int row = 0; row < rows; row++) {
                double[] hidden = new double[r];
                for (int j = 0; j < r; j++) {
                    double s = downBias[j];
                    for (int i = 0; i < c; i++) {
                        s += z[row * c + i] * down[j * c + i];
                    }
                    hidden[j] = activation(f, s);
                }
                for (int o = 0; o < c; o++) {
                    double s = z[row * c + o] + upBias[o];
                    for (int j = 0; j < r; j++) {
                        s += hidden[j] * up[o * r + j];
                    }
                    assertThat((double) actual[row * c + o]).as("%s row %d col %d", f, row, o)
                            .isCloseTo(s, within(1e-4));
                }
            }
        }
    }

    @Test
    void freshAdaptersLeaveTheBaseModelUnchangedAtStepZero() throws IOException {
        float[] base;
        try (LlamaModel model = LlamaModel.load(tinyLlama(), ModelOptions.inference())) {
            base = logits(model);
        }
        for (Placement placement : Placement.values()) {
            BottleneckConfig config = new BottleneckConfig(4, placement, NonLinearity.SWISH);
            try (LlamaModel model = LlamaModel.load(tinyLlama(), ModelOptions.training(new FineTuning.Bottleneck(config), 3))) {
                assertThat(logits(model)).as(placement.key()).containsExactly(base);
                // houlsby: attention + MLP adapter per layer, pfeiffer: MLP only; 4 arrays each, 2 layers
                assertThat(model.trainableParameters()).hasSize(placement == Placement.HOULSBY ? 16 : 8);
                assertThat(model.trainableParameters().get("base_model.model.model.layers.1.mlp_adapter.adapter_down.weight")
                        .getShape()).isEqualTo(new Shape(4, 16));                     // C/4 = 4 units of C = 16
            }
        }
    }

    @Test
    void savedAdaptersFollowTheDocumentedFormatAndLoadBackToTheSameLogits() throws IOException {
        BottleneckConfig config = new BottleneckConfig(4, Placement.HOULSBY, NonLinearity.GELU);
        float[] trained;
        Random random = new Random(5);
        try (LlamaModel model = LlamaModel.load(tinyLlama(), ModelOptions.training(new FineTuning.Bottleneck(config), 3))) {
            float[] base = logits(model);
            model.trainableParameters().values().forEach(a -> a.set(random(random, (int) a.size())));
            trained = logits(model);
            assertThat(trained).isNotEqualTo(base);
            model.saveTrained(dir);
            assertThatThrownBy(model::merge).hasMessageContaining("cannot be merged");
        }
        JsonNode json = JSON.readTree(Files.readString(dir.resolve("adapter_config.json")));
        assertThat(json.get("peft_type").asString()).isEqualTo("BOTTLENECK_ADAPTER");
        assertThat(json.get("placement").asString()).isEqualTo("houlsby");
        assertThat(json.get("non_linearity").asString()).isEqualTo("gelu");
        assertThat(json.get("bottleneck_size").asInt()).isEqualTo(4);
        try (var reader = io.tuneforge.trainer.model.safetensors.SafetensorsReader.open(
                dir.resolve("adapter_model.safetensors"))) {
            assertThat(reader.names()).contains("base_model.model.model.layers.0.attention_adapter.adapter_down.weight",
                    "base_model.model.model.layers.0.attention_adapter.adapter_up.bias",
                    "base_model.model.model.layers.1.mlp_adapter.adapter_up.weight").hasSize(16);
        }
        try (LlamaModel reloaded = LlamaModel.load(tinyLlama(), ModelOptions.inference())) {
            assertThat(AdapterFiles.load(reloaded, dir, false)).isEqualTo(AdapterFiles.Kind.BOTTLENECK);
            float[] again = logits(reloaded);
            for (int i = 0; i < trained.length; i++) {
                assertThat((double) again[i]).isCloseTo(trained[i], within(1e-5));
            }
            try (LlamaModel.BaseOnly off = reloaded.adaptersDisabled();
                 LlamaModel base = LlamaModel.load(tinyLlama(), ModelOptions.inference())) {
                assertThat(logits(reloaded)).as("adapters switched off: the base").containsExactly(logits(base));
            }
        }
    }
}
