package io.tuneforge.trainer.export;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.tuneforge.trainer.Fixtures;
import io.tuneforge.trainer.model.safetensors.Bf16;
import io.tuneforge.trainer.model.safetensors.SafetensorsDType;
import io.tuneforge.trainer.model.safetensors.SafetensorsReader;
import io.tuneforge.trainer.model.safetensors.SafetensorsWriter;
import io.tuneforge.trainer.model.safetensors.TensorSource;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The streaming merge ({@link MergeStreams}: byte copies, row blocks in parallel) writes exactly the bytes of the
 * element-by-element route it replaced: every weight read as float32 through {@link MergedWeightSource}, handed to
 * the writer as an NDArray and rounded there, for bf16 and fp32 checkpoints, every adapter kind the merger takes and
 * every output dtype.
 */
class MergeStreamsTest {

    private static final String Q = "model.layers.0.self_attn.q_proj.weight";
    private static final String V = "model.layers.3.self_attn.v_proj.weight";
    private static final String NORM = "model.layers.1.input_layernorm.weight";

    @TempDir
    Path dir;

    static Stream<Arguments> merges() {
        List<Arguments> cases = new ArrayList<>();
        for (String base : List.of("stories-f32", "stories-bf16")) {
            for (String adapter : List.of("lora-r8", "lora-r6-rslora", "lora-r3", "lora-modules-to-save")) {
                for (SafetensorsDType out : List.of(SafetensorsDType.BF16, SafetensorsDType.F32, SafetensorsDType.F16)) {
                    cases.add(Arguments.of(base, adapter, out));
                }
            }
        }
        for (String base : List.of("tiny-f32", "tiny-bf16")) {
            for (String adapter : List.of("dora", "oft")) {
                for (SafetensorsDType out : List.of(SafetensorsDType.BF16, SafetensorsDType.F32)) {
                    cases.add(Arguments.of(base, adapter, out));
                }
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} + {1} -> {2}")
    @MethodSource("merges")
    void streamingMergeWritesTheBytesOfTheElementByElementRoute(String baseName, String adapterName,
                                                                 SafetensorsDType out) throws Exception {
        Path base = base(baseName);
        Path adapter = adapter(adapterName, base);

        LoraMerger.merge(new MergeOptions(base, adapter, dir.resolve("fast"), MergeOptions.DEFAULT_MAX_SHARD_BYTES,
                Optional.of(out), false));
        referenceMerge(base, adapter, dir.resolve("reference"), out, SafetensorsWriter.DEFAULT_MAX_SHARD_BYTES);

        assertSameBytes(dir.resolve("fast/model.safetensors"), dir.resolve("reference/model.safetensors"));
    }

    @Test
    void shardedOutputEqualsTheReferenceShardByShard() throws Exception {
        Path base = base("stories-bf16");
        Path adapter = adapter("lora-r8", base);
        long shard = MergeOptions.parseSize("200KB");

        LoraMerger.merge(new MergeOptions(base, adapter, dir.resolve("fast"), shard, Optional.of(SafetensorsDType.BF16),
                false));
        referenceMerge(base, adapter, dir.resolve("reference"), SafetensorsDType.BF16, shard);

        List<String> files;
        try (var listing = Files.list(dir.resolve("reference"))) {
            files = listing.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("model")).sorted().toList();
        }
        assertThat(files).hasSizeGreaterThan(2).contains(SafetensorsReader.INDEX_FILE);
        for (String file : files) {
            assertSameBytes(dir.resolve("fast").resolve(file), dir.resolve("reference").resolve(file));
        }
    }

    @Test
    void bf16MergeEqualsTheScalarFormulaBitForBit() throws Exception {
        Path base = base("stories-bf16");
        Path adapter = dir.resolve("lora-r6");
        Map<String, TestAdapters.Lora> loras;
        try (var weights = SafetensorsWeightSource.openModelDir(base)) {
            loras = TestAdapters.write(adapter, weights, List.of(Q, V), 6, 12.0, 0.2, 5);
        }
        LoraMerger.merge(new MergeOptions(base, adapter, dir.resolve("fast"), MergeOptions.DEFAULT_MAX_SHARD_BYTES,
                Optional.of(SafetensorsDType.BF16), false));
        try (var in = SafetensorsReader.open(base); var merged = SafetensorsReader.open(dir.resolve("fast"))) {
            for (String name : List.of(Q, V)) {
                short[] expected = scalarMerge(in.readFloats(name), loras.get(name), 6, 12.0f / 6);
                ByteBuffer actual = merged.readBf16Bits(name);
                for (int i = 0; i < expected.length; i++) {
                    assertThat(actual.getShort(2 * i)).as(name + "[" + i + "]").isEqualTo(expected[i]);
                }
            }
        }
    }

    @Test
    void aBf16NaNBecomesTheCanonicalQuietNaNInCopiedAndMergedTensorsAsBefore() throws Exception {
        Path base = base("stories-bf16");
        setBf16(base, NORM, 3, (short) 0x7FC1);            // untouched tensor: otherwise copied byte for byte
        setBf16(base, NORM, 5, (short) 0xFF81);
        setBf16(base, Q, 7, (short) 0x7F9F);               // merged tensor
        Path adapter = adapter("lora-r8", base);

        LoraMerger.merge(new MergeOptions(base, adapter, dir.resolve("fast"), MergeOptions.DEFAULT_MAX_SHARD_BYTES,
                Optional.of(SafetensorsDType.BF16), false));
        referenceMerge(base, adapter, dir.resolve("reference"), SafetensorsDType.BF16,
                SafetensorsWriter.DEFAULT_MAX_SHARD_BYTES);

        assertSameBytes(dir.resolve("fast/model.safetensors"), dir.resolve("reference/model.safetensors"));
        try (var merged = SafetensorsReader.open(dir.resolve("fast"))) {
            assertThat(merged.readBf16Bits(NORM).getShort(2 * 3)).isEqualTo((short) 0x7FC0);
            assertThat(merged.readBf16Bits(NORM).getShort(2 * 5)).isEqualTo((short) 0x7FC0);
            assertThat(merged.readBf16Bits(Q).getShort(2 * 7)).isEqualTo((short) 0x7FC0);
        }
    }

    /** The route the merger took before: float32 per weight through MergedWeightSource, an NDArray to the writer. */
    private static void referenceMerge(Path base, Path adapter, Path out, SafetensorsDType dtype, long shard)
            throws IOException {
        try (var merged = new MergedWeightSource(SafetensorsWeightSource.openModelDir(base),
                Optional.of(LoraAdapter.open(adapter)));
             NDManager manager = NDManager.newBaseManager()) {
            List<TensorSource> sources = new ArrayList<>();
            for (String name : merged.names()) {
                long[] shape = merged.shape(name);
                sources.add(TensorSource.lazy(name, shape, () -> manager.create(merged.read(name), new Shape(shape))));
            }
            SafetensorsWriter.writeModel(out, sources, dtype, shard);
        }
    }

    /** W + scale·(Σ_k B[i,k]·A[k,j], summed from 0 in k order) in float32, rounded by {@link Bf16#fromFloat}. */
    private static short[] scalarMerge(float[] w, TestAdapters.Lora lora, int rank, float scale) {
        short[] out = new short[w.length];
        for (int i = 0; i < lora.out(); i++) {
            for (int j = 0; j < lora.in(); j++) {
                float delta = 0f;
                for (int k = 0; k < rank; k++) {
                    delta += lora.b()[i * rank + k] * lora.a()[k * lora.in() + j];
                }
                out[i * lora.in() + j] = Bf16.fromFloat(w[i * lora.in() + j] + delta * scale);
            }
        }
        return out;
    }

    private Path base(String name) throws IOException {
        return switch (name) {
            case "stories-f32" -> Fixtures.stories260K();
            case "stories-bf16" -> asBf16(Fixtures.stories260K(), dir.resolve("stories-bf16"));
            case "tiny-f32" -> resource("dora/tiny-llama");
            case "tiny-bf16" -> asBf16(resource("dora/tiny-llama"), dir.resolve("tiny-bf16"));
            default -> throw new IllegalArgumentException(name);
        };
    }

    private Path adapter(String name, Path base) throws IOException {
        Path adapter = dir.resolve(name);
        try (var weights = SafetensorsWeightSource.openModelDir(base)) {
            switch (name) {
                case "lora-r8" -> TestAdapters.write(adapter, weights, List.of(Q, V), 8, 16.0, 0.2, 11);
                case "lora-r3" -> TestAdapters.write(adapter, weights, List.of(Q, V), 3, 8.0, 0.2, 12);
                case "lora-r6-rslora" -> {
                    TestAdapters.write(adapter, weights, List.of(Q, V), 6, 12.0, 0.2, 13);
                    rewriteConfig(adapter, "\"use_rslora\": false", "\"use_rslora\": true");
                }
                case "lora-modules-to-save" -> {
                    TestAdapters.write(adapter, weights, List.of(Q), 8, 16.0, 0.2, 14);
                    addModulesToSave(adapter, weights);
                }
                case "dora" -> {
                    return resource("dora/adapter");
                }
                case "oft" -> {
                    return resource("oft/adapter");
                }
                default -> throw new IllegalArgumentException(name);
            }
        }
        return adapter;
    }

    /** Adds a trained embedding (modules_to_save embed_tokens) to a TestAdapters LoRA. */
    private static void addModulesToSave(Path adapter, SafetensorsWeightSource base) throws IOException {
        Map<String, float[]> tensors = new LinkedHashMap<>();
        Map<String, long[]> shapes = new LinkedHashMap<>();
        try (var lora = SafetensorsReader.open(adapter.resolve("adapter_model.safetensors"))) {
            for (String name : lora.names()) {
                tensors.put(name, lora.readFloats(name));
                shapes.put(name, lora.info(name).shape());
            }
        }
        float[] embedding = base.read("model.embed_tokens.weight");
        for (int i = 0; i < embedding.length; i++) {
            embedding[i] = embedding[i] * 1.5f + 1e-3f * (i % 7);
        }
        tensors.put("base_model.model.model.embed_tokens.weight", embedding);
        shapes.put("base_model.model.model.embed_tokens.weight", base.shape("model.embed_tokens.weight"));
        TestAdapters.writeF32Safetensors(adapter.resolve("adapter_model.safetensors"), tensors, shapes);
        rewriteConfig(adapter, "\"modules_to_save\": null", "\"modules_to_save\": [\"embed_tokens\"]");
    }

    private static void rewriteConfig(Path adapter, String from, String to) throws IOException {
        Path config = adapter.resolve("adapter_config.json");
        String text = Files.readString(config);
        assertThat(text).contains(from);
        Files.writeString(config, text.replace(from, to));
    }

    /** A copy of a float32 model folder with its weights stored as bf16. */
    private static Path asBf16(Path model, Path target) throws IOException {
        Files.createDirectories(target);
        try (var files = Files.list(model)) {
            for (Path file : files.filter(f -> !f.getFileName().toString().endsWith(".safetensors")).toList()) {
                Files.copy(file, target.resolve(file.getFileName()));
            }
        }
        try (var weights = SafetensorsWeightSource.openModelDir(model); NDManager manager = NDManager.newBaseManager()) {
            List<TensorSource> sources = new ArrayList<>();
            for (String name : weights.names()) {
                long[] shape = weights.shape(name);
                sources.add(TensorSource.lazy(name, shape, () -> manager.create(weights.read(name), new Shape(shape))));
            }
            SafetensorsWriter.writeModel(target, sources, SafetensorsDType.BF16, SafetensorsWriter.DEFAULT_MAX_SHARD_BYTES);
        }
        return target;
    }

    /** Overwrites element {@code index} of a bf16 tensor in place (a NaN payload the writer would not produce). */
    private static void setBf16(Path model, String tensor, int index, short bits) throws IOException {
        long at;
        Path file;
        try (var reader = SafetensorsReader.open(model)) {
            at = reader.info(tensor).start() + 2L * index;
            file = reader.info(tensor).file();
        }
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.write(ByteBuffer.allocate(2).order(ByteOrder.LITTLE_ENDIAN).putShort(0, bits), at);
        }
    }

    private static void assertSameBytes(Path actual, Path expected) throws IOException {
        assertThat(Files.size(actual)).as(actual.getFileName() + " size").isEqualTo(Files.size(expected));
        assertThat(Files.mismatch(actual, expected)).as("first differing byte of " + actual.getFileName()).isEqualTo(-1L);
    }

    private static Path resource(String name) {
        try {
            return Path.of(MergeStreamsTest.class.getResource("/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
