package io.tuneforge.trainer.training.optim;

import static io.tuneforge.trainer.training.optim.GoldenJson.floats;
import static io.tuneforge.trainer.training.optim.GoldenJson.shape;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.SequencedMap;
import java.util.function.Function;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * GaLore, APOLLO, BAdam, Adam-mini and Muon against their official code on a toy two-layer Llama's named parameters
 * (golden file from src/test/python/memory_optimizers_golden.py): parameters after every step with fixed gradients
 * and a changing learning rate.
 */
class MemorySavingOptimizersGoldenTest {

    private static final JsonNode GOLDEN = load();
    private static final AdamWConfig ADAM = new AdamWConfig(0.9, 0.999, 1e-8, 0.1);

    private static JsonNode load() {
        try (InputStream in = MemorySavingOptimizersGoldenTest.class
                .getResourceAsStream("/training/memory_optimizers_golden.json")) {
            return JsonMapper.builder().build().readTree(in);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void galoreMatchesTheOfficialGaLoreAdamWWithinOneProjectionPeriod() {
        JsonNode c = golden("galore_gap200");
        GaLoreAdamW.Settings settings = new GaLoreAdamW.Settings(2, 200, 2.0, List.of("all"), false);
        replay(c, c.get("steps").size(), params -> new GaLoreAdamW(params, ADAM, settings, manager(params)), 3e-6);
    }

    @Test
    void galoreRefreshesItsProjectionEveryIntervalAsTheOfficialProjector() {
        JsonNode c = golden("galore_gap2");
        GaLoreAdamW.Settings settings = new GaLoreAdamW.Settings(3, 2, 0.25, List.of("self_attn"), false);
        replay(c, c.get("steps").size(), params -> new GaLoreAdamW(params, ADAM, settings, manager(params)), 3e-6);
    }

    @Test
    void apolloWithTheSvdProjectionMatchesTheOfficialApolloAcrossRefreshes() {
        JsonNode c = golden("apollo_svd");
        JsonNode a = c.get("apollo");
        assertThat(a.get("proj").asString()).isEqualTo("svd");
        ApolloAdamW.Settings settings = new ApolloAdamW.Settings(a.get("rank").asInt(),
                a.get("update_interval").asInt(), a.get("scale").asDouble(),
                ApolloAdamW.ScaleType.fromConfigName(a.get("scale_type").asString()), List.of("all"), false,
                ApolloAdamW.Projection.SVD);
        replay(c, c.get("steps").size(), params -> new ApolloAdamW(params, ADAM, settings, manager(params)), 3e-6);
    }

    @Test
    void apolloMatchesTheOfficialApolloWithItsOwnRandomProjections() {
        for (String name : List.of("apollo_channel", "apollo_tensor")) {
            JsonNode c = golden(name);
            JsonNode a = c.get("apollo");
            List<String> targets = new ArrayList<>();
            a.get("target").forEach(t -> targets.add(t.asString()));
            ApolloAdamW.Settings settings = new ApolloAdamW.Settings(a.get("rank").asInt(),
                    a.get("update_interval").asInt(), a.get("scale").asDouble(),
                    ApolloAdamW.ScaleType.fromConfigName(a.get("scale_type").asString()), targets, false);
            replay(c, c.get("steps").size(), params -> new ApolloAdamW(params, ADAM, settings, manager(params)), 3e-6);
        }
    }

    @Test
    void badamTrainsOneLayerAtATimeInEachSwitchMode() {
        for (String name : List.of("badam_ascending", "badam_descending", "badam_fixed")) {
            JsonNode c = golden(name);
            JsonNode b = c.get("badam");
            BlockAdam.Settings settings = new BlockAdam.Settings(
                    BlockAdam.SwitchMode.fromConfigName(b.get("switch_mode").asString()),
                    b.get("switch_interval").asInt(),
                    b.get("start_block").isNull() ? OptionalInt.empty() : OptionalInt.of(b.get("start_block").asInt()),
                    42);
            replay(c, c.get("steps").size(), params -> new BlockAdam(params, ADAM, settings, manager(params)), 2e-6);
        }
    }

    @Test
    void adamMiniMatchesTheOfficialAdamMini() {
        JsonNode c = golden("adam_mini");
        AdamMini.Heads heads = new AdamMini.Heads(c.get("adam_mini").get("hidden_size").asInt(),
                c.get("adam_mini").get("num_attention_heads").asInt());
        replay(c, c.get("steps").size(), params -> new AdamMini(params, ADAM, heads, manager(params)), 2e-6);
    }

    @Test
    void muonMatchesLlamaFactorysMuonWithItsBfloat16NewtonSchulz() {
        JsonNode c = golden("muon");
        replay(c, c.get("steps").size(), params -> new Muon(params, ADAM, manager(params)), 2e-6);
    }

    // ---------------------------------------------------------------- helpers

    private static final Map<SequencedMap<String, NDArray>, NDManager> MANAGERS = new java.util.IdentityHashMap<>();

    private static NDManager manager(SequencedMap<String, NDArray> params) {
        return MANAGERS.get(params);
    }

    private static JsonNode golden(String name) {
        for (JsonNode c : GOLDEN.get("cases")) {
            if (c.get("name").asString().equals(name)) {
                return c;
            }
        }
        throw new IllegalStateException("no golden case " + name);
    }

    /** Runs {@code steps} updates from the golden initial values and compares every parameter after each. */
    static void replay(JsonNode c, int steps, Function<SequencedMap<String, NDArray>, ParameterOptimizer> factory,
                       double tolerance) {
        try (NDManager manager = NDManager.newBaseManager()) {
            SequencedMap<String, NDArray> params = new LinkedHashMap<>();
            for (String name : GOLDEN.get("shapes").propertyNames()) {
                params.put(name, manager.create(floats(GOLDEN.get("initial").get(name)), shape(GOLDEN, name)));
            }
            MANAGERS.put(params, manager);
            try (ParameterOptimizer optimizer = factory.apply(params)) {
                for (int s = 0; s < steps; s++) {
                    JsonNode step = c.get("steps").get(s);
                    try (NDManager scope = manager.newSubManager()) {
                        Map<String, NDArray> grads = new LinkedHashMap<>();
                        for (String name : params.keySet()) {
                            grads.put(name, scope.create(floats(GOLDEN.get("grads").get(s).get(name)),
                                    shape(GOLDEN, name)));
                        }
                        optimizer.step(grads, step.get("lr").asDouble());
                    }
                    List<String> wrong = new ArrayList<>();
                    for (String name : params.keySet()) {
                        float[] expected = floats(step.get("params_after").get(name));
                        float[] actual = params.get(name).toFloatArray();
                        for (int i = 0; i < expected.length; i++) {
                            if (Math.abs(actual[i] - expected[i]) > tolerance) {
                                wrong.add(String.format("%s[%d] %.8f vs %.8f", name, i, actual[i], expected[i]));
                                break;
                            }
                        }
                    }
                    assertThat(wrong).as("%s after step %d", c.get("name").asString(), s + 1).isEmpty();
                }
            } finally {
                MANAGERS.remove(params);
            }
        }
    }
}
