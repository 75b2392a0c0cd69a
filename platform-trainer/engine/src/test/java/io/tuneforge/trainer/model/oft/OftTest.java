package io.tuneforge.trainer.model.oft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.tuneforge.trainer.export.LoraMerger;
import io.tuneforge.trainer.export.MergeOptions;
import io.tuneforge.trainer.model.FineTuning;
import io.tuneforge.trainer.model.LlamaModel;
import io.tuneforge.trainer.model.ModelConfigException;
import io.tuneforge.trainer.model.ModelOptions;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * OFT against PEFT 0.21 on the tiny Llama of dora_golden.py (src/test/python/oft_golden.py → resources/oft/): PEFT's
 * own adapter (block size 4 on every linear, random rotations) loads to PEFT's logits, its rotation and merged weight
 * are PEFT's, the loss gradient reaches oft_R as in PEFT, and an adapter saved by TuneForge is PEFT's layout.
 */
class OftTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String Q0 = "model.layers.0.self_attn.q_proj";

    @TempDir
    Path dir;

    private static Path resource(String name) {
        try {
            return Path.of(OftTest.class.getResource("/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static JsonNode reference() throws IOException {
        return JSON.readTree(Files.readString(resource("oft/oft.json")));
    }

    private static Path tiny() {
        return resource("dora/tiny-llama");
    }

    private static Path pefts() {
        return resource("oft/adapter");
    }

    private static LlamaModel base() throws IOException {
        return LlamaModel.load(tiny(), ModelOptions.inference());
    }

    private static long[] input(JsonNode reference) {
        JsonNode ids = reference.get("input");
        long[] input = new long[ids.size()];
        for (int i = 0; i < input.length; i++) {
            input[i] = ids.get(i).asLong();
        }
        return input;
    }

    private static float[] logits(LlamaModel model, JsonNode reference) {
        long[] input = input(reference);
        try (NDManager step = NDManager.newBaseManager()) {
            NDArray inputIds = step.create(input, new Shape(1, input.length));
            return model.logits(step, model.hiddenStates(step, inputIds, false)).toFloatArray();
        }
    }

    private static void assertClose(float[] actual, JsonNode expected, double tolerance, String what) {
        assertThat(actual).as(what).hasSize(expected.size());
        for (int i = 0; i < actual.length; i++) {
            assertThat((double) actual[i]).as("%s[%d]", what, i).isCloseTo(expected.get(i).asDouble(), within(tolerance));
        }
    }

    @Test
    void peftsAdapterLoadsToPeftsLogitsWithTheCayleyNeumannRotation() throws IOException {
        JsonNode reference = reference();
        try (LlamaModel model = base()) {
            assertClose(logits(model, reference), reference.get("base_logits"), 1e-4, "base");
            OftConfig config = OftAdapter.load(model, pefts(), false);
            assertThat(config.blockSize()).isEqualTo(4);
            assertThat(config.useCayleyNeumann()).isTrue();
            assertThat(model.oftTargets(config)).hasSize(14);
            assertClose(logits(model, reference), reference.get("oft_logits"), 1e-4, "oft");
            try (NDManager scratch = NDManager.newBaseManager()) {
                float[] rotation = model.linears().get(Q0).oft().orElseThrow().blockDiagonal(scratch).toFloatArray();
                assertClose(rotation, reference.get("q0_rotation"), 1e-6, "q0 rotation");
            }
        }
    }

    @Test
    void exactCayleyRotationIsOrthogonalAndGivesPeftsLogits() throws IOException {
        JsonNode reference = reference();
        try (LlamaModel model = base()) {
            OftConfig neumann = OftAdapter.readConfig(pefts());
            OftConfig exact = new OftConfig(neumann.rank(), neumann.blockSize(), neumann.targetModules(), 0, false, 5,
                    false);
            OftConfig loaded = OftAdapter.load(model, pefts(), false);
            model.attachOft(exact, model.oftTargets(loaded).stream().collect(java.util.stream.Collectors.toMap(
                    l -> l.path(), l -> l.oft().orElseThrow().weight().duplicate())), false);
            assertClose(logits(model, reference), reference.get("exact_cayley_logits"), 1e-4, "exact cayley");
            try (NDManager scratch = NDManager.newBaseManager()) {
                NDArray r = model.linears().get(Q0).oft().orElseThrow().blockDiagonal(scratch);   // (16, 16)
                float[] product = r.matMul(r.transpose()).toFloatArray();
                for (int i = 0; i < 16; i++) {
                    for (int j = 0; j < 16; j++) {
                        assertThat((double) product[i * 16 + j]).as("RRᵀ[%d,%d]", i, j)
                                .isCloseTo(i == j ? 1 : 0, within(1e-5));
                    }
                }
            }
        }
    }

    @Test
    void mergeFoldsTheRotationIntoTheWeightAsPeftDoes() throws IOException {
        JsonNode reference = reference();
        try (LlamaModel model = base()) {
            OftAdapter.load(model, pefts(), false);
            model.merge();
            assertThat(model.oftConfig()).isEmpty();
            assertThat(model.linears().get(Q0).oft()).isEmpty();
            assertClose(model.linears().get(Q0).weight().toFloatArray(), reference.get("q0_merged_weight"), 1e-5,
                    "q0 merged");
            assertClose(logits(model, reference), reference.get("merged_logits"), 1e-4, "merged");
        }
    }

    @Test
    void streamingMergerWritesPeftsMergedModel() throws IOException {
        JsonNode reference = reference();
        Path merged = dir.resolve("merged");
        LoraMerger.merge(new MergeOptions(tiny(), pefts(), merged, MergeOptions.DEFAULT_MAX_SHARD_BYTES,
                Optional.empty(), false));
        try (LlamaModel model = LlamaModel.load(merged, ModelOptions.inference())) {
            assertClose(model.linears().get(Q0).weight().toFloatArray(), reference.get("q0_merged_weight"), 1e-5,
                    "q0 merged by the streaming merger");
            assertClose(logits(model, reference), reference.get("merged_logits"), 1e-4, "merged model");
        }
    }

    @Test
    void streamingMergerWithExactCayleyEqualsTheEngine() throws IOException {
        Path exact = dir.resolve("exact");
        Files.createDirectories(exact);
        Files.copy(pefts().resolve("adapter_model.safetensors"), exact.resolve("adapter_model.safetensors"));
        Files.writeString(exact.resolve("adapter_config.json"), Files.readString(pefts().resolve("adapter_config.json"))
                .replace("\"use_cayley_neumann\": true", "\"use_cayley_neumann\": false"));
        float[] engine;
        try (LlamaModel model = base()) {
            OftAdapter.load(model, exact, false);
            model.merge();
            engine = model.linears().get("model.layers.1.mlp.down_proj").weight().toFloatArray();
        }
        Path merged = dir.resolve("merged-exact");
        LoraMerger.merge(new MergeOptions(tiny(), exact, merged, MergeOptions.DEFAULT_MAX_SHARD_BYTES,
                Optional.empty(), false));
        try (LlamaModel model = LlamaModel.load(merged, ModelOptions.inference())) {
            assertClose(model.linears().get("model.layers.1.mlp.down_proj").weight().toFloatArray(),
                    JSON.valueToTree(toDoubles(engine)), 1e-5, "down_proj exact Cayley");
        }
    }

    @Test
    void lossGradientReachesOftRAsInPeft() throws IOException {
        JsonNode reference = reference();
        long[] ids = input(reference);
        int vocab = reference.get("vocab").asInt();
        try (LlamaModel model = base()) {
            OftAdapter.load(model, pefts(), true);
            NDArray weight = model.linears().get(Q0).oft().orElseThrow().weight();
            assertThat(model.trainableParameters()).hasSize(14)
                    .containsKey("base_model.model.model.layers.0.self_attn.q_proj.oft_R.weight");
            try (NDManager step = NDManager.newBaseManager();
                 GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray inputIds = step.create(ids, new Shape(1, ids.length));
                NDArray logits = model.logits(step, model.hiddenStates(step, inputIds, true));   // (1, T, V)
                int t = ids.length - 1;
                float[] oneHot = new float[t * vocab];
                for (int i = 0; i < t; i++) {
                    oneHot[i * vocab + (int) ids[i + 1]] = 1f;
                }
                NDArray logProbs = logits.reshape(ids.length, vocab).get("0:" + t).logSoftmax(1);   // (T−1, V)
                NDArray loss = logProbs.mul(step.create(oneHot, new Shape(t, vocab))).sum().neg()
                        .div(step.full(new Shape(), t, DataType.FLOAT32));
                assertThat((double) loss.getFloat()).isCloseTo(reference.get("loss").asDouble(), within(1e-4));
                gc.backward(loss);
                assertThat(weight.getGradient().getShape()).isEqualTo(new Shape(4, 6));
                assertClose(weight.getGradient().toFloatArray(), reference.get("q0_oft_R_grad"), 1e-4, "grad");
            }
        }
    }

    @Test
    void savedAdapterIsPeftsLayoutAndLoadsBackToTheSameModel() throws IOException {
        JsonNode reference = reference();
        Path saved = dir.resolve("oft");
        float[] before;
        try (LlamaModel model = base()) {
            OftAdapter.load(model, pefts(), true);
            before = logits(model, reference);
            model.saveTrained(saved);
        }
        JsonNode config = JSON.readTree(Files.readString(saved.resolve("adapter_config.json")));
        assertThat(config.get("peft_type").asString()).isEqualTo("OFT");
        assertThat(config.get("oft_block_size").asInt()).isEqualTo(4);
        assertThat(config.get("r").asInt()).isZero();
        assertThat(config.get("use_cayley_neumann").asBoolean()).isTrue();
        assertThat(OftAdapter.isOft(saved)).isTrue();
        try (LlamaModel model = base()) {
            OftAdapter.load(model, saved, false);
            assertClose(logits(model, reference), JSON.valueToTree(toDoubles(before)), 0, "reloaded");
        }
    }

    @Test
    void freshOftStartsAtTheBaseModelWithPeftsShapes() throws IOException {
        JsonNode reference = reference();
        OftConfig config = OftConfig.allLinears(4);
        try (LlamaModel model = LlamaModel.load(tiny(), ModelOptions.training(new FineTuning.Oft(config),
                42))) {
            assertClose(logits(model, reference), reference.get("base_logits"), 1e-4, "fresh oft = base");
            assertThat(model.trainableParameters().get("base_model.model.model.layers.1.mlp.down_proj.oft_R.weight")
                    .getShape()).isEqualTo(new Shape(8, 6));
        }
    }

    @Test
    void blockSizeThatDoesNotDivideMovesToTheNearestDivisorAsInPeft() {
        assertThat(OftConfig.adjust(172, 32)).isEqualTo(43);
        assertThat(OftConfig.adjust(64, 32)).isEqualTo(32);
        assertThat(OftConfig.adjust(16, 32)).isEqualTo(16);
        assertThat(OftConfig.adjust(30, 7)).isEqualTo(6);
        assertThat(OftConfig.of(2, 0, List.of("q_proj")).blockSizeFor(16)).isEqualTo(8);
        assertThatThrownBy(() -> OftConfig.of(2, 4, List.of("q_proj")))
                .hasMessageContaining("exactly one of oft_rank");
    }

    @Test
    void adapterWithAMisShapedTensorFailsNamingIt() throws IOException {
        Path broken = dir.resolve("broken");
        Files.createDirectories(broken);
        Files.copy(pefts().resolve("adapter_model.safetensors"), broken.resolve("adapter_model.safetensors"));
        Files.writeString(broken.resolve("adapter_config.json"), Files.readString(pefts().resolve("adapter_config.json"))
                .replace("\"oft_block_size\": 4", "\"oft_block_size\": 8"));
        try (LlamaModel model = base()) {
            assertThatThrownBy(() -> OftAdapter.load(model, broken, false)).isInstanceOf(ModelConfigException.class)
                    .hasMessageContaining("oft_R.weight").hasMessageContaining("[2, 28]");
        }
    }

    private static double[] toDoubles(float[] values) {
        double[] out = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = values[i];
        }
        return out;
    }
}
