package io.tuneforge.trainer.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * GGUF export of the tiny Mixtral, Qwen2-MoE and Qwen3-MoE checkpoints against what llama.cpp's convert_hf_to_gguf.py
 * writes for them: {@code export/moe-gguf-expected.json}, produced from the converter's logic and gguf-py's name
 * tables by {@code src/test/python/moe_gguf_expected.py} (which also read the files this exporter writes back with
 * gguf-py and found them byte-identical to gguf-py's own quantisation of the converter's tensors).
 */
class MoeGgufExportTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final List<String> MODELS = List.of("mixtral-tiny", "qwen2moe-gguf-tiny", "qwen3moe-tiny");

    @TempDir
    Path temp;

    static Stream<Arguments> modelsAndTypes() {
        return MODELS.stream().flatMap(m -> Stream.of("F32", "F16", "Q8_0").map(t -> Arguments.of(m, t)));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("modelsAndTypes")
    void tensorNamesShapesTypesAndMetadataAreTheConvertersOwn(String model, String type) throws Exception {
        JsonNode expected = expected().get(model);
        GgufFile gguf = export(model, type, Optional.empty());

        assertThat(gguf.metadata().get("general.architecture")).isEqualTo(expected.get("architecture").asString());
        assertThat(gguf.metadata().get("general.file_type")).isEqualTo(expected.get("file_types").get(type).asLong());
        for (var entry : expected.get("metadata").properties()) {
            Object actual = gguf.metadata().get(entry.getKey());
            assertThat(actual).as(entry.getKey()).isNotNull();
            if (entry.getValue().isIntegralNumber()) {
                assertThat(actual).as(entry.getKey()).isEqualTo(entry.getValue().asLong());
            } else {
                assertThat((Double) actual).as(entry.getKey()).isEqualTo(entry.getValue().asDouble());
            }
        }
        List<String> expectedNames = new ArrayList<>();
        expected.get("tensors").properties().forEach(e -> expectedNames.add(e.getKey()));
        assertThat(gguf.tensors().keySet()).containsExactlyInAnyOrderElementsOf(expectedNames);
        for (var entry : expected.get("tensors").properties()) {
            GgufFile.Info info = gguf.tensors().get(entry.getKey());
            List<Long> ne = new ArrayList<>();
            entry.getValue().get("ne").forEach(d -> ne.add(d.asLong()));
            assertThat(info.ne()).as(entry.getKey()).isEqualTo(ne);
            String storage = entry.getValue().get("types").get(type).asString();
            assertThat(info.type()).as(entry.getKey() + " stored as " + storage)
                    .isEqualTo(expected.get("ggml_types").get(storage).asInt());
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"mixtral-tiny", "qwen2moe-gguf-tiny", "qwen3moe-tiny"})
    void stackedExpertsHoldEachExpertsWeightsInExpertOrder(String model) throws Exception {
        GgufFile f32 = export(model, "F32", Optional.empty());
        try (WeightSource source = SafetensorsWeightSource.openModelDir(modelDir(model))) {
            int layers = (int) (long) (Long) f32.metadata().get(f32.metadata().get("general.architecture")
                    + ".block_count");
            for (int layer = 0; layer < layers; layer++) {
                for (var role : expertKeys(model, layer).entrySet()) {
                    assertThat(f32.values("blk." + layer + "." + role.getKey()))
                            .as("layer %d %s", layer, role.getKey())
                            .containsExactly(stack(source, role.getValue()));
                }
                assertThat(f32.values("blk." + layer + ".ffn_gate_inp.weight"))
                        .containsExactly(source.read(routerKey(model, layer)));
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"mixtral-tiny", "qwen2moe-gguf-tiny", "qwen3moe-tiny"})
    void quantizedExpertsDequantizeToTheWeightsWithinTheirTypesRounding(String model) throws Exception {
        GgufFile f16 = export(model, "F16", Optional.empty());
        GgufFile q8 = export(model, "Q8_0", Optional.empty());
        try (WeightSource source = SafetensorsWeightSource.openModelDir(modelDir(model))) {
            for (var role : expertKeys(model, 0).entrySet()) {
                float[] weights = stack(source, role.getValue());
                float[] half = f16.values("blk.0." + role.getKey());
                for (int i = 0; i < weights.length; i++) {
                    assertThat(half[i]).isEqualTo(Float.float16ToFloat(Float.floatToFloat16(weights[i])));
                }
                String name = "blk.0." + role.getKey();
                float[] quantized = q8.values(name);
                if (q8.tensors().get(name).type() == GgmlType.Q8_0.id) {
                    for (int block = 0; block < weights.length / 32; block++) {
                        float amax = 0;
                        for (int j = 0; j < 32; j++) {
                            amax = Math.max(amax, Math.abs(weights[block * 32 + j]));
                        }
                        for (int j = 0; j < 32; j++) {
                            // a Q8_0 step is amax / 127 (its F16 scale adds a relative 2^-11)
                            assertThat(quantized[block * 32 + j]).isCloseTo(weights[block * 32 + j],
                                    within(amax / 127f * 0.51f + amax * 1e-3f));
                        }
                    }
                } else {
                    assertThat(quantized).containsExactly(f16.values(name)); // rows not whole blocks: F16
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"mixtral-tiny", "qwen3moe-tiny"})
    void anAdaptersMergedExpertsAreWhatGetsStacked(String model) throws Exception {
        Path adapter = resourceDir("/models/" + model + "/adapter", "adapter_config.json",
                "adapter_model.safetensors");
        GgufFile merged = export(model, "F32", Optional.of(adapter));
        GgufFile base = export(model, "F32", Optional.empty());
        try (WeightSource source = new MergedWeightSource(SafetensorsWeightSource.openModelDir(modelDir(model)),
                Optional.of(LoraAdapter.open(adapter)))) {
            for (var role : expertKeys(model, 1).entrySet()) {
                String name = "blk.1." + role.getKey();
                assertThat(merged.values(name)).containsExactly(stack(source, role.getValue()));
                assertThat(merged.values(name)).as("the adapter changes " + name).isNotEqualTo(base.values(name));
            }
        }
    }

    @Test
    void qwen2MoeWithADenseLayerIsRefusedNamingMlpOnlyLayers() throws Exception {
        Path dir = resourceDir("/models/qwen2moe-tiny", "config.json", "model.safetensors");
        assertThatThrownBy(() -> LlamaExportConfig.read(dir))
                .isInstanceOf(ExportException.class)
                .hasMessageContaining("mlp_only_layers [1]")
                .hasMessageContaining("qwen2moe");
    }

    @Test
    void aTopKRenormalisationLlamaCppDoesNotComputeIsRefused() throws Exception {
        Path dir = modelDir("qwen3moe-tiny");
        Files.writeString(dir.resolve("config.json"), Files.readString(dir.resolve("config.json"))
                .replace("\"norm_topk_prob\": true", "\"norm_topk_prob\": false"));
        assertThatThrownBy(() -> LlamaExportConfig.read(dir))
                .isInstanceOf(ExportException.class)
                .hasMessageContaining("norm_topk_prob false")
                .hasMessageContaining("qwen3moe graph, which always renormalises");
    }

    @Test
    void aMissingExpertIsNamed() throws Exception {
        LlamaExportConfig config = LlamaExportConfig.read(modelDir("qwen3moe-tiny"));
        List<String> names;
        try (WeightSource source = SafetensorsWeightSource.openModelDir(modelDir("qwen3moe-tiny"))) {
            names = new ArrayList<>(source.names());
        }
        names.remove("model.layers.1.mlp.experts.3.up_proj.weight");
        assertThatThrownBy(() -> GgufTensorPlan.of(names, config))
                .isInstanceOf(ExportException.class)
                .hasMessageContaining("layer 1 lacks model.layers.1.mlp.experts.3.up_proj.weight")
                .hasMessageContaining("4 experts");
    }

    /** GGUF stacked name → the checkpoint keys of experts 0..3 of a layer. */
    private static Map<String, List<String>> expertKeys(String model, int layer) {
        String prefix = "model.layers." + layer + (model.startsWith("mixtral") ? ".block_sparse_moe" : ".mlp")
                + ".experts.";
        boolean mixtral = model.startsWith("mixtral");
        return Map.of(
                "ffn_gate_exps.weight", experts(prefix, mixtral ? "w1" : "gate_proj"),
                "ffn_up_exps.weight", experts(prefix, mixtral ? "w3" : "up_proj"),
                "ffn_down_exps.weight", experts(prefix, mixtral ? "w2" : "down_proj"));
    }

    private static List<String> experts(String prefix, String projection) {
        List<String> keys = new ArrayList<>();
        for (int e = 0; e < 4; e++) {
            keys.add(prefix + e + "." + projection + ".weight");
        }
        return keys;
    }

    private static String routerKey(String model, int layer) {
        return "model.layers." + layer + (model.startsWith("mixtral") ? ".block_sparse_moe" : ".mlp") + ".gate.weight";
    }

    /** torch.stack(experts, dim=0) in row-major order: expert 0's matrix, then expert 1's, ... */
    private static float[] stack(WeightSource source, List<String> keys) {
        List<float[]> parts = keys.stream().map(source::read).toList();
        float[] out = new float[parts.stream().mapToInt(p -> p.length).sum()];
        int at = 0;
        for (float[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    private GgufFile export(String model, String type, Optional<Path> adapter) throws IOException {
        Path out = temp.resolve(model + "-" + type + (adapter.isPresent() ? "-merged" : "") + ".gguf");
        LlamaGgufExporter.export(new GgufExportOptions(modelDir(model), adapter, out, GgmlType.parse(type),
                Optional.empty(), true));
        return GgufFile.read(out);
    }

    /** The committed checkpoint with the tiny 64-token tokenizer beside it (the export writes its vocabulary). */
    private Path modelDir(String model) throws IOException {
        Path dir = temp.resolve(model);
        if (!Files.isDirectory(dir)) {
            copy("/models/" + model, dir, "config.json", "model.safetensors");
            copy("/export/tiny-bpe-tokenizer", dir, "tokenizer.json", "tokenizer_config.json");
        }
        return dir;
    }

    private Path resourceDir(String resource, String... files) throws IOException {
        Path dir = temp.resolve(resource.substring(1).replace('/', '_'));
        if (!Files.isDirectory(dir)) {
            copy(resource, dir, files);
        }
        return dir;
    }

    private static void copy(String resource, Path dir, String... files) throws IOException {
        Files.createDirectories(dir);
        for (String name : files) {
            try (InputStream in = MoeGgufExportTest.class.getResourceAsStream(resource + "/" + name)) {
                Files.copy(in, dir.resolve(name));
            }
        }
    }

    private static JsonNode expected() throws IOException {
        try (InputStream in = MoeGgufExportTest.class.getResourceAsStream("/export/moe-gguf-expected.json")) {
            return JSON.readTree(in);
        }
    }
}
