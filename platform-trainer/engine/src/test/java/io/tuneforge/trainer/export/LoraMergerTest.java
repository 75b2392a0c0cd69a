package io.tuneforge.trainer.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.tuneforge.trainer.Fixtures;
import io.tuneforge.trainer.model.safetensors.SafetensorsDType;
import io.tuneforge.trainer.model.safetensors.SafetensorsReader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class LoraMergerTest {

    private static final String Q = "model.layers.0.self_attn.q_proj.weight";
    private static final String V = "model.layers.3.self_attn.v_proj.weight";
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @TempDir
    Path dir;

    private Path model;
    private Path adapter;
    private Map<String, TestAdapters.Lora> loras;

    @BeforeEach
    void writeAdapter() throws Exception {
        model = Fixtures.stories260K();
        adapter = dir.resolve("adapter");
        try (var base = SafetensorsWeightSource.openModelDir(model)) {
            loras = TestAdapters.write(adapter, base, List.of(Q, V), 8, 16.0, 0.2, 11);
        }
    }

    private LoraMerger.Result merge(String out, Optional<SafetensorsDType> dtype, long shard) throws Exception {
        return LoraMerger.merge(new MergeOptions(model, adapter, dir.resolve(out), shard, dtype, false));
    }

    @Test
    void mergedWeightsAreBasePlusScaledLowRankProduct() throws Exception {
        merge("f32", Optional.of(SafetensorsDType.F32), MergeOptions.DEFAULT_MAX_SHARD_BYTES);
        try (var base = SafetensorsReader.open(model); var merged = SafetensorsReader.open(dir.resolve("f32"))) {
            assertThat(merged.names()).containsExactlyElementsOf(base.names());
            double[] expected = TestAdapters.merged(base.readFloats(V), loras.get(V), 8, 16.0);
            float[] actual = merged.readFloats(V);
            for (int i = 0; i < expected.length; i++) {
                assertThat((double) actual[i]).isCloseTo(expected[i], within(1e-5));
            }
            assertThat(merged.readFloats("model.layers.0.mlp.up_proj.weight"))
                    .containsExactly(base.readFloats("model.layers.0.mlp.up_proj.weight"));
        }
    }

    @Test
    void bfloat16OutputIsTheFloat32MergeRoundedToNearestEven() throws Exception {
        merge("f32", Optional.of(SafetensorsDType.F32), MergeOptions.DEFAULT_MAX_SHARD_BYTES);
        merge("bf16", Optional.of(SafetensorsDType.BF16), MergeOptions.DEFAULT_MAX_SHARD_BYTES);
        try (var f32 = SafetensorsReader.open(dir.resolve("f32"));
             var bf16 = SafetensorsReader.open(dir.resolve("bf16"))) {
            int checked = 0;
            for (String name : f32.names()) {
                assertThat(bf16.info(name).dtype()).isEqualTo(SafetensorsDType.BF16);
                float[] full = f32.readFloats(name);
                float[] rounded = bf16.readFloats(name);
                for (int i = 0; i < full.length; i++) {
                    if (rounded[i] != nearestEvenBf16(full[i])) {
                        assertThat(rounded[i]).as(name + "[" + i + "] of " + full[i]).isEqualTo(nearestEvenBf16(full[i]));
                    }
                    checked++;
                }
            }
            assertThat(checked).isGreaterThan(250_000);
        }
        JsonNode config = JSON.readTree(dir.resolve("bf16/config.json").toFile());
        assertThat(config.get("torch_dtype").asString()).isEqualTo("bfloat16");
    }

    @Test
    void withoutADtypeTheMergeKeepsTheBasesAsConfigJsonNamesItInEitherSpelling() throws Exception {
        Path bf16Base = copyOfStoriesWithDtype(dir.resolve("bf16-base"), "bfloat16");
        LoraMerger.Result result = LoraMerger.merge(new MergeOptions(bf16Base, adapter, dir.resolve("auto"),
                MergeOptions.DEFAULT_MAX_SHARD_BYTES, Optional.empty(), false));

        assertThat(result.dtype()).isEqualTo(SafetensorsDType.BF16);
        JsonNode config = JSON.readTree(dir.resolve("auto/config.json").toFile());
        assertThat(config.get("torch_dtype").asString()).isEqualTo("bfloat16");
        assertThat(config.get("dtype").asString()).isEqualTo("bfloat16");
        assertThat(LoraMerger.configuredDtype(JSON.readTree("{\"torch_dtype\": \"float16\"}")))
                .isEqualTo(SafetensorsDType.F16);
        assertThat(LoraMerger.configuredDtype(JSON.readTree("{}"))).isEqualTo(SafetensorsDType.F32);
    }

    /** stories260K's files with its config.json naming the float type {@code dtype} as transformers 5 writes it. */
    private Path copyOfStoriesWithDtype(Path target, String dtype) throws Exception {
        Files.createDirectories(target);
        try (var files = Files.list(model)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                Files.copy(file, target.resolve(file.getFileName()));
            }
        }
        var config = (tools.jackson.databind.node.ObjectNode) JSON.readTree(target.resolve("config.json").toFile());
        config.remove("torch_dtype");
        config.put("dtype", dtype);
        Files.writeString(target.resolve("config.json"), JSON.writeValueAsString(config));
        return target;
    }

    /** Independent of the writer: the closer of the two bf16 neighbours, ties to the even mantissa. */
    private static float nearestEvenBf16(float x) {
        int bits = Float.floatToRawIntBits(x);
        float down = Float.intBitsToFloat(bits & 0xFFFF0000);
        float up = Float.intBitsToFloat((bits & 0xFFFF0000) + 0x10000);
        double dDown = Math.abs((double) x - down);
        double dUp = Math.abs((double) up - x);
        if (dDown != dUp) {
            return dDown < dUp ? down : up;
        }
        return ((bits >>> 16) & 1) == 0 ? down : up;
    }

    @Test
    void smallShardSizeWritesShardsWithIndexAndPtMetadata() throws Exception {
        var result = merge("sharded", Optional.empty(), MergeOptions.parseSize("200KB"));
        Path out = dir.resolve("sharded");
        JsonNode index = JSON.readTree(out.resolve("model.safetensors.index.json").toFile());
        Set<String> shards = new HashSet<>();
        index.get("weight_map").forEach(f -> shards.add(f.asString()));
        assertThat(shards).hasSizeGreaterThan(1).allMatch(s -> s.matches("model-\\d{5}-of-\\d{5}\\.safetensors"));
        for (String shard : shards) {
            assertThat(header(out.resolve(shard)).get("__metadata__").get("format").asString()).isEqualTo("pt");
            assertThat(Files.size(out.resolve(shard))).isLessThan(200_000 + 300_000); // one tensor may overflow
        }
        assertThat(index.get("weight_map").size()).isEqualTo(result.tensors());
        for (String file : List.of("config.json", "tokenizer.json", "tokenizer_config.json", "tokenizer.model",
                "special_tokens_map.json", "generation_config.json")) {
            assertThat(out.resolve(file)).exists();
        }
        assertThat(out.resolve("adapter_config.json")).doesNotExist();
        try (var merged = SafetensorsReader.open(out)) {
            assertThat(merged.readFloats(Q)).hasSize(64 * 64);
        }
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith("."));
        }
    }

    @Test
    void refusesToOverwriteWithoutForceAndReplacesWithIt() throws Exception {
        Path out = dir.resolve("existing");
        Files.createDirectories(out);
        Files.writeString(out.resolve("keep.txt"), "x");
        assertThatThrownBy(() -> merge("existing", Optional.empty(), MergeOptions.DEFAULT_MAX_SHARD_BYTES))
                .isInstanceOf(ExportException.class).hasMessageContaining("--force");
        assertThat(out.resolve("keep.txt")).exists();
        LoraMerger.merge(new MergeOptions(model, adapter, out, MergeOptions.DEFAULT_MAX_SHARD_BYTES, Optional.empty(),
                true));
        assertThat(out.resolve("keep.txt")).doesNotExist();
        assertThat(out.resolve("model.safetensors")).exists();
    }

    @Test
    void rejectsAnAdapterForAnotherModel() throws Exception {
        Path other = dir.resolve("other");
        Map<String, float[]> tensors = Map.of("base_model.model.model.layers.9.self_attn.q_proj.lora_A.weight",
                new float[8 * 64], "base_model.model.model.layers.9.self_attn.q_proj.lora_B.weight", new float[64 * 8]);
        Files.createDirectories(other);
        TestAdapters.writeF32Safetensors(other.resolve("adapter_model.safetensors"), new java.util.LinkedHashMap<>(tensors),
                Map.of("base_model.model.model.layers.9.self_attn.q_proj.lora_A.weight", new long[] {8, 64},
                        "base_model.model.model.layers.9.self_attn.q_proj.lora_B.weight", new long[] {64, 8}));
        Files.writeString(other.resolve("adapter_config.json"), "{\"peft_type\":\"LORA\",\"r\":8,\"lora_alpha\":16}");
        assertThatThrownBy(() -> LoraMerger.merge(new MergeOptions(model, other, dir.resolve("o"),
                MergeOptions.DEFAULT_MAX_SHARD_BYTES, Optional.empty(), false)))
                .isInstanceOf(ExportException.class).hasMessageContaining("model.layers.9.self_attn.q_proj.weight");
    }

    private static JsonNode header(Path file) throws Exception {
        try (FileChannel ch = FileChannel.open(file)) {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            ch.read(len, 0);
            ByteBuffer header = ByteBuffer.allocate((int) len.flip().getLong());
            ch.read(header, 8);
            return JSON.readTree(new String(header.array(), StandardCharsets.UTF_8));
        }
    }
}
