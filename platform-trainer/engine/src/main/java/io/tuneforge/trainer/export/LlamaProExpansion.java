package io.tuneforge.trainer.export;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.tuneforge.shared.files.FileTrees;
import io.tuneforge.trainer.model.ModelArchitecture;
import io.tuneforge.trainer.model.safetensors.SafetensorsDType;
import io.tuneforge.trainer.model.safetensors.SafetensorsWriter;
import io.tuneforge.trainer.model.safetensors.TensorSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * LLaMA Pro block expansion (Wu et al., 2024), as LLaMA-Factory's {@code scripts/llama_pro.py}: a model of L decoder
 * layers becomes one of L + n, a copy of the last layer of each group of L/n layers inserted after the group with its
 * output projections ({@code o_proj}, {@code down_proj}) zeroed, so each new block adds nothing to the residual stream
 * and the expanded model computes exactly what the original did. Freeze tuning with {@code use_llama_pro} then trains
 * only the new blocks (every (L+n)/n-th layer).
 */
public final class LlamaProExpansion {

    /** The families the expansion keeps exact: a block's output is the residual plus its two zeroed projections. */
    static final Set<ModelArchitecture> FAMILIES = EnumSet.of(ModelArchitecture.LLAMA, ModelArchitecture.MISTRAL,
            ModelArchitecture.QWEN2, ModelArchitecture.QWEN3);

    /** {@code model.layers.3.mlp.down_proj.weight} → layer 3, rest {@code mlp.down_proj.weight}. */
    private static final Pattern LAYER_KEY = Pattern.compile("^model\\.layers\\.(\\d+)\\.(.+)$");

    private static final JsonMapper JSON = JsonMapper.builder().build();

    /**
     * What was written.
     *
     * @param outDir         the expanded model's folder
     * @param layers         its decoder layers (original + added)
     * @param addedLayers    the indices of the added blocks (the ones {@code use_llama_pro} trains)
     * @param weightFiles    the safetensors files written
     */
    public record Result(Path outDir, int layers, List<Integer> addedLayers, List<Path> weightFiles) {
    }

    private LlamaProExpansion() {
    }

    /**
     * Writes the expanded model of {@code modelDir} into {@code outDir} (which must not exist), in the base's float
     * type, with its tokenizer files; the folder appears whole or not at all.
     *
     * @param numExpand blocks to add; the model's layers must be a multiple of it
     */
    public static Result expand(Path modelDir, Path outDir, int numExpand, TensorProgress progress) throws IOException {
        Path out = outDir.toAbsolutePath().normalize();
        if (Files.exists(out)) {
            throw new ExportException(out + " already exists; choose a new folder for the expanded model");
        }
        JsonNode config = LoraMerger.readConfig(modelDir);
        int layers = config.path("num_hidden_layers").asInt(0);
        requireExpandable(modelDir, config, layers, numExpand);
        SafetensorsDType dtype = LoraMerger.configuredDtype(config);
        Files.createDirectories(out.getParent());
        Path temp = out.resolveSibling("." + out.getFileName() + ".expanding-" + UUID.randomUUID());
        try (SafetensorsWeightSource weights = SafetensorsWeightSource.openModelDir(modelDir);
             NDManager manager = NDManager.newBaseManager()) {
            Files.createDirectories(temp);
            List<TensorSource> sources = expandedTensors(weights, manager, layers, numExpand, progress);
            List<Path> files = SafetensorsWriter.writeModel(temp, sources, dtype,
                    SafetensorsWriter.DEFAULT_MAX_SHARD_BYTES);
            Files.writeString(temp.resolve("config.json"), JSON.writerWithDefaultPrettyPrinter()
                    .writeValueAsString(expandedConfig(config, layers, numExpand)) + "\n");
            LoraMerger.completeModelFolder(modelDir, temp);
            Files.move(temp, out, StandardCopyOption.ATOMIC_MOVE);
            return new Result(out, layers + numExpand, addedLayers(layers, numExpand),
                    files.stream().map(f -> out.resolve(f.getFileName())).toList());
        } finally {
            FileTrees.deleteOrFail(temp, "the folder");
        }
    }

    /** The indices the added blocks get: after each group of {@code layers / numExpand} original layers. */
    public static List<Integer> addedLayers(int layers, int numExpand) {
        int split = layers / numExpand;
        List<Integer> added = new ArrayList<>();
        for (int group = 1; group <= numExpand; group++) {
            added.add(group * (split + 1) - 1);
        }
        return added;
    }

    private static void requireExpandable(Path modelDir, JsonNode config, int layers, int numExpand) {
        String architecture = config.path("architectures").path(0).asString("");
        ModelArchitecture family = ModelArchitecture.fromHfName(architecture, modelDir.resolve("config.json"));
        if (!FAMILIES.contains(family)) {
            throw new ExportException(modelDir.resolve("config.json") + ": LLaMA Pro expansion is supported for "
                    + FAMILIES.stream().map(ModelArchitecture::hfName).toList() + ", not " + architecture
                    + " (its blocks are not the identity with zeroed o_proj and down_proj, or its layer pattern "
                    + "depends on the layer index)");
        }
        if (numExpand <= 0 || layers <= 0 || layers % numExpand != 0) {
            throw new ExportException("--num-expand " + numExpand + ": the model's num_hidden_layers " + layers
                    + " must be a positive multiple of it");
        }
    }

    /**
     * The output tensors in order: each original layer renamed to its new index, after each group the copy of the
     * group's last layer (o_proj and down_proj zeros), then every tensor outside the layers.
     */
    private static List<TensorSource> expandedTensors(SafetensorsWeightSource weights, NDManager manager, int layers,
                                                      int numExpand, TensorProgress progress) {
        int split = layers / numExpand;
        List<List<String>> byLayer = new ArrayList<>();
        for (int i = 0; i < layers; i++) {
            byLayer.add(new ArrayList<>());
        }
        List<String> outside = new ArrayList<>();
        for (String name : weights.names()) {
            Matcher m = LAYER_KEY.matcher(name);
            if (m.matches() && Integer.parseInt(m.group(1)) < layers) {
                byLayer.get(Integer.parseInt(m.group(1))).add(name);
            } else {
                outside.add(name);
            }
        }
        int total = weights.names().size() + numExpand * byLayer.getFirst().size();
        int[] written = {0};
        List<TensorSource> sources = new ArrayList<>();
        int next = 0;
        for (int i = 0; i < layers; i++) {
            for (String name : byLayer.get(i)) {
                sources.add(copied(weights, manager, name, renamed(name, next), false, progress, written, total));
            }
            next++;
            if ((i + 1) % split == 0) {
                for (String name : byLayer.get(i)) {
                    boolean zeroed = name.contains("o_proj") || name.contains("down_proj");
                    sources.add(copied(weights, manager, name, renamed(name, next), zeroed, progress, written, total));
                }
                next++;
            }
        }
        for (String name : outside) {
            sources.add(copied(weights, manager, name, name, false, progress, written, total));
        }
        return sources;
    }

    /** {@code name} of layer k as the same weight of layer {@code index}. */
    private static String renamed(String name, int index) {
        Matcher m = LAYER_KEY.matcher(name);
        if (!m.matches()) {
            throw new IllegalArgumentException(name);
        }
        return "model.layers." + index + "." + m.group(2);
    }

    /** A lazily read tensor written as {@code target}, or zeros of its shape. */
    private static TensorSource copied(SafetensorsWeightSource weights, NDManager manager, String name, String target,
                                       boolean zeros, TensorProgress progress, int[] written, int total) {
        long[] shape = weights.shape(name);
        return TensorSource.lazy(target, shape, () -> {
            progress.tensorsDone(++written[0], total);
            return zeros ? manager.zeros(new Shape(shape)) : manager.create(weights.read(name), new Shape(shape));
        });
    }

    /** The base config with {@code num_hidden_layers} + n and a per-layer {@code layer_types} list expanded alike. */
    static JsonNode expandedConfig(JsonNode config, int layers, int numExpand) {
        ObjectNode copy = (ObjectNode) config.deepCopy();
        copy.put("num_hidden_layers", layers + numExpand);
        JsonNode types = config.path("layer_types");
        if (types.isArray() && types.size() == layers) {
            int split = layers / numExpand;
            ArrayNode expanded = copy.putArray("layer_types");
            for (int i = 0; i < layers; i++) {
                expanded.add(types.get(i));
                if ((i + 1) % split == 0) {
                    expanded.add(types.get(i));
                }
            }
        }
        return copy;
    }
}
