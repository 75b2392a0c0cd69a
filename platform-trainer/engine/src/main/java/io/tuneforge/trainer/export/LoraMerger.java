package io.tuneforge.trainer.export;

import io.tuneforge.shared.files.FileTrees;
import io.tuneforge.trainer.model.HfWeightNames;
import io.tuneforge.trainer.model.safetensors.SafetensorsDType;
import io.tuneforge.trainer.model.safetensors.SafetensorsWriter;
import io.tuneforge.trainer.model.safetensors.TensorSource;
import io.tuneforge.trainer.training.classification.ClassLabels;
import io.tuneforge.trainer.training.classification.SequenceClassifier;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Merges a LoRA adapter into its base model and writes a plain Hugging Face model directory: {@code config.json}
 * (torch_dtype updated), safetensors shards with {@code model.safetensors.index.json} and
 * {@code {"__metadata__":{"format":"pt"}}}, the tokenizer files and {@code generation_config.json}.
 *
 * <p>Weights stream one tensor at a time ({@link MergeStreams}): tensors the adapter leaves alone are copied byte for
 * byte when their dtype stays; adapted ones are computed in row blocks ({@code W + scale·B·A} in float32, then
 * rounded to the output dtype, bfloat16 to nearest even like torch), so peak memory is about two copies of the
 * largest tensor, not the model. Everything is written into a temporary directory beside the target (each shard
 * fsynced), renamed into place at the end.
 */
public final class LoraMerger {

    /** Files copied from the base directory when present (the tokenizer and generation settings). */
    static final List<String> COPIED_FILES = List.of("tokenizer.json", "tokenizer_config.json", "tokenizer.model",
            "special_tokens_map.json", "added_tokens.json", "vocab.json", "merges.txt", "chat_template.jinja",
            "generation_config.json");

    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** What was written. */
    public record Result(Path outDir, List<Path> weightFiles, SafetensorsDType dtype, int tensors,
                         int mergedWeights, long weightBytes) {
    }

    private LoraMerger() {
    }

    public static Result merge(MergeOptions options) throws IOException {
        return merge(options, TensorProgress.NONE);
    }

    /** Merges as {@link #merge(MergeOptions)}, telling {@code progress} after each tensor written. */
    public static Result merge(MergeOptions options, TensorProgress progress) throws IOException {
        Path out = options.outDir().toAbsolutePath().normalize();
        if (Files.exists(out) && !options.force()) {
            throw new ExportException(out + " already exists; pass --force to replace it");
        }
        if (out.equals(options.modelDir().toAbsolutePath().normalize())) {
            throw new ExportException("--out must differ from --model (the base model is read while writing)");
        }
        JsonNode config = readConfig(options.modelDir());
        SafetensorsDType dtype = options.dtype().orElseGet(() -> configuredDtype(config));
        Files.createDirectories(out.getParent());
        Path temp = out.resolveSibling("." + out.getFileName() + ".merging-" + UUID.randomUUID());
        try (LoraAdapter adapter = LoraAdapter.open(options.adapterDir());
             SafetensorsWeightSource weights = SafetensorsWeightSource.openModelDir(options.modelDir());
             MergeStreams streams = new MergeStreams(weights, adapter)) {
            Files.createDirectories(temp);
            MergedWeightSource.requireFits(weights, adapter);
            List<TensorSource> sources = streams.sources(progress);
            JsonNode mergedConfig = config;
            if (adapter.headTensor().isPresent()) { // a SEQ_CLS adapter: the model becomes *ForSequenceClassification
                sources = withClassificationHead(sources, adapter);
                mergedConfig = classificationConfig(config, options.adapterDir(), adapter);
            }
            List<Path> files = SafetensorsWriter.writeModel(temp, sources, dtype, options.maxShardBytes());
            writeConfig(temp.resolve("config.json"), mergedConfig, dtype);
            copyTokenizerFiles(options.modelDir(), temp, config);
            replace(temp, out);
            List<Path> written = files.stream().map(f -> out.resolve(f.getFileName())).toList();
            long bytes = 0;
            for (Path f : written) {
                bytes += f.getFileName().toString().endsWith(".safetensors") ? Files.size(f) : 0;
            }
            return new Result(out, written, dtype, weights.names().size(), adapter.adaptedWeights().size(), bytes);
        } finally {
            FileTrees.deleteOrFail(temp, "the folder");
        }
    }

    /**
     * The merged weights of a classifier as transformers saves {@code *ForSequenceClassification}: the LM head left
     * out, {@code score.weight} (num_labels, hidden) from the adapter added.
     */
    private static List<TensorSource> withClassificationHead(List<TensorSource> sources, LoraAdapter adapter) {
        String head = adapter.headTensor().orElseThrow();
        long[] shape = adapter.shape(head);
        List<TensorSource> out = new ArrayList<>(sources.stream()
                .filter(s -> !s.name().equals(HfWeightNames.LM_HEAD)).toList());
        out.add(MergeStreams.ofFloats(SequenceClassifier.MERGED_HEAD_KEY, shape, adapter.read(head)));
        return out;
    }

    /** The base's config as a classifier's: architectures, num_labels, id2label and label2id of the head's labels. */
    private static JsonNode classificationConfig(JsonNode config, Path adapterDir, LoraAdapter adapter)
            throws IOException {
        int count = (int) adapter.shape(adapter.headTensor().orElseThrow())[0];
        ClassLabels labels = ClassLabels.read(adapterDir).orElse(ClassLabels.placeholders(count));
        if (labels.size() != count) {
            throw new ExportException(adapterDir + ": " + ClassLabels.FILE + " names " + labels.size()
                    + " labels but the head has " + count);
        }
        ObjectNode copy = (ObjectNode) config.deepCopy();
        String causal = config.path("architectures").path(0).asString("LlamaForCausalLM");
        copy.setAll(labels.configEntries(causal));
        return copy;
    }

    /** The model folder's {@code config.json}, or an {@link ExportException} saying it is not a model folder. */
    static JsonNode readConfig(Path modelDir) {
        Path file = modelDir.resolve("config.json");
        if (!Files.isRegularFile(file)) {
            throw new ExportException(modelDir + ": no config.json; point --model at a Hugging Face model directory");
        }
        return JSON.readTree(file.toFile());
    }

    /** The base's float type: {@code torch_dtype}, or {@code dtype} as transformers 5 writes it; float32 when absent. */
    static SafetensorsDType configuredDtype(JsonNode config) {
        String name = config.path("torch_dtype").asString(config.path("dtype").asString("float32"));
        return SafetensorsDType.fromTorchDtype(name);
    }

    private static void writeConfig(Path file, JsonNode config, SafetensorsDType dtype) throws IOException {
        ObjectNode copy = (ObjectNode) config.deepCopy();
        copy.put("torch_dtype", dtype.torchDtype());
        if (copy.has("dtype")) {
            copy.put("dtype", dtype.torchDtype());
        }
        Files.writeString(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(copy) + "\n");
    }

    /**
     * Completes a model folder written from {@code baseDir}'s model (a full or freeze fine-tune): copies the tokenizer
     * files and {@code generation_config.json} it lacks from the base directory, or writes a generation config from
     * the base {@code config.json}'s special token ids when the base has none. Files already present are kept.
     */
    public static void completeModelFolder(Path baseDir, Path folder) throws IOException {
        copyTokenizerFiles(baseDir, folder, readConfig(baseDir));
    }

    private static void copyTokenizerFiles(Path from, Path to, JsonNode config) throws IOException {
        for (String name : COPIED_FILES) {
            Path source = from.resolve(name);
            if (Files.isRegularFile(source) && !Files.exists(to.resolve(name))) {
                Files.copy(source, to.resolve(name));
            }
        }
        if (!Files.exists(to.resolve("generation_config.json"))) {
            ObjectNode generation = JSON.createObjectNode();
            for (String key : List.of("bos_token_id", "eos_token_id", "pad_token_id")) {
                if (config.has(key) && !config.get(key).isNull()) {
                    generation.set(key, config.get(key));
                }
            }
            Files.writeString(to.resolve("generation_config.json"),
                    JSON.writerWithDefaultPrettyPrinter().writeValueAsString(generation) + "\n");
        }
    }

    /** Moves {@code temp} to {@code target}; an existing target is moved aside first and deleted after. */
    private static void replace(Path temp, Path target) throws IOException {
        Path old = null;
        if (Files.exists(target)) {
            old = target.resolveSibling("." + target.getFileName() + ".replaced-" + UUID.randomUUID());
            Files.move(target, old, StandardCopyOption.ATOMIC_MOVE);
        }
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
        if (old != null) {
            FileTrees.deleteOrFail(old, "the folder");
        }
    }
}
