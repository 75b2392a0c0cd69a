package io.tuneforge.trainer.export;

import io.tuneforge.trainer.model.lora.LoraConfig;
import io.tuneforge.trainer.model.LlamaModel;
import io.tuneforge.trainer.model.bottleneck.BottleneckAdapters;
import io.tuneforge.trainer.model.lora.PeftAdapter;
import io.tuneforge.trainer.model.oft.OftAdapter;
import io.tuneforge.trainer.model.oft.OftConfig;
import io.tuneforge.trainer.model.prefix.PeftPrefixTuning;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A PEFT LoRA (or OFT: {@link OftMerge}) adapter directory as far as merging needs it: {@code adapter_config.json} (r, lora_alpha, use_rslora)
 * and {@code adapter_model.safetensors} with keys {@code base_model.model.<module>.lora_A.weight} ({@code [r, in]}) and
 * {@code .lora_B.weight} ({@code [out, r]}). The merged weight of {@code <module>.weight} is
 * {@code W + scale · B·A} with {@code scale = lora_alpha / r} ({@code lora_alpha / √r} with rsLoRA).
 * With DoRA ({@code use_dora}) each merged row is then rescaled to its trained magnitude:
 * {@code m_i / ‖W_i + scale·(B·A)_i‖ · (W_i + scale·(B·A)_i)}, keys {@code <module>.lora_magnitude_vector} ({@code [out]}).
 * Variants that change that formula (fan_in_fan_out, per-module rank/alpha patterns, trained biases,
 * modules_to_save, embedding LoRA) are refused with a message rather than merged wrongly. File names, keys, the
 * refusals and the scale are {@link PeftAdapter}'s, the same that training writes and reads.
 */
public final class LoraAdapter implements AutoCloseable {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** One adapted weight: the safetensors keys of its A and B, and of its DoRA magnitude (null without DoRA). */
    public record Pair(String loraA, String loraB, String magnitude) {
    }

    private final SafetensorsWeightSource tensors;
    private final double scale;
    private final int rank;
    private final Map<String, Pair> byBaseWeight;
    /** modules_to_save: base weight name → the adapter's tensor that replaces it whole. */
    private final Map<String, String> replacements;

    /** OFT (peft_type "OFT"): its config, else null; then byOftWeight maps base weight → oft_R.weight key. */
    private OftConfig oft;
    private Map<String, String> byOftWeight = Map.of();

    private LoraAdapter(SafetensorsWeightSource tensors, double scale, int rank, Map<String, Pair> byBaseWeight,
                        Map<String, String> replacements) {
        this.tensors = tensors;
        this.scale = scale;
        this.rank = rank;
        this.byBaseWeight = byBaseWeight;
        this.replacements = replacements;
    }

    /** Reads an adapter directory written by PEFT (or by TuneForge, which writes the same format). */
    public static LoraAdapter open(Path dir) {
        Path configFile = dir.resolve(PeftAdapter.CONFIG_FILE);
        Path weights = dir.resolve(PeftAdapter.WEIGHTS_FILE);
        if (!Files.isRegularFile(configFile) || !Files.isRegularFile(weights)) {
            throw new ExportException(dir + ": an adapter directory needs adapter_config.json and "
                    + "adapter_model.safetensors (PEFT format)");
        }
        JsonNode config = JSON.readTree(configFile.toFile());
        if ("OFT".equalsIgnoreCase(config.path("peft_type").asString(""))) {
            return openOft(dir, weights);
        }
        requireMergeable(configFile, config);
        requireSupported(configFile, config);
        int rank = config.path("r").asInt(0);
        double alpha = config.path("lora_alpha").asDouble(0);
        if (rank <= 0 || alpha == 0) {
            throw new ExportException(configFile + ": fields \"r\" (> 0) and \"lora_alpha\" are required");
        }
        double scale = LoraConfig.scaling(alpha, rank, config.path("use_rslora").asBoolean(false));
        SafetensorsWeightSource tensors = SafetensorsWeightSource.open(weights);
        try {
            Map<String, String> replacements = replacements(weights, tensors, config);
            return new LoraAdapter(tensors, scale, rank, pairs(weights, tensors, rank,
                    config.path("use_dora").asBoolean(false), replacements.values()), replacements);
        } catch (RuntimeException e) {
            tensors.close();
            throw e;
        }
    }

    /** An OFT adapter: every {@code base_model.model.<module>.oft_R.weight} rotates {@code <module>.weight}. */
    private static LoraAdapter openOft(Path dir, Path weights) {
        OftConfig config;
        try {
            config = OftAdapter.readConfig(dir);
        } catch (java.io.IOException | RuntimeException e) {
            throw new ExportException("cannot merge this OFT adapter: " + e.getMessage(), e);
        }
        SafetensorsWeightSource tensors = SafetensorsWeightSource.open(weights);
        Map<String, String> byWeight = new LinkedHashMap<>();
        String prefix = "base_model.model.";
        String suffix = ".oft_R.weight";
        for (String name : tensors.names()) {
            if (!name.startsWith(prefix) || !name.endsWith(suffix)) {
                tensors.close();
                throw new ExportException(weights + ": unexpected tensor " + name + "; an OFT adapter TuneForge "
                        + "merges holds only oft_R.weight of linear layers");
            }
            byWeight.put(name.substring(prefix.length(), name.length() - suffix.length()) + ".weight", name);
        }
        LoraAdapter adapter = new LoraAdapter(tensors, 1, 0, Map.of(), Map.of());
        adapter.oft = config;
        adapter.byOftWeight = byWeight;
        return adapter;
    }

    /** Prefix tuning and bottleneck adapters have no merged form: refused with the reason and what to do instead. */
    private static void requireMergeable(Path file, JsonNode config) {
        String type = config.path("peft_type").asString("LORA");
        String why = type.equals(PeftPrefixTuning.PEFT_TYPE) ? LlamaModel.notMergeableReason("prefix")
                : type.equals(BottleneckAdapters.PEFT_TYPE) ? LlamaModel.notMergeableReason("adapter") : null;
        if (why != null) {
            throw new ExportException(file + ": cannot merge (or export to GGUF) this adapter: " + why
                    + "; keep the adapter folder beside the base model and load both (generate/evaluate --adapter)");
        }
    }

    private static void requireSupported(Path file, JsonNode config) {
        PeftAdapter.unsupported(config).ifPresent(why -> {
            throw new ExportException(file + ": cannot merge this adapter: " + why);
        });
        String init = config.path("init_lora_weights").asString("true");
        if (init.toLowerCase(java.util.Locale.ROOT).startsWith("pissa")) {
            throw new ExportException(file + ": cannot merge this adapter: it is a PiSSA adapter (init_lora_weights "
                    + init + "), which applies to the residual base its training left, not to the original model; "
                    + "train with pissa_convert: true to get the ordinary LoRA it amounts to, which merges");
        }
    }

    /** modules_to_save: {@code model.embed_tokens.weight} → {@code base_model.model.model.embed_tokens.weight}. */
    private static Map<String, String> replacements(Path file, SafetensorsWeightSource tensors, JsonNode config) {
        Map<String, String> out = new LinkedHashMap<>();
        for (JsonNode m : config.path("modules_to_save")) {
            if (PeftAdapter.isSequenceClassification(config) && List.of("classifier", "score").contains(m.asString())) {
                continue; // the head: merged as score.weight by LoraMerger
            }
            String module = switch (m.asString()) {
                case "embed_tokens" -> "model.embed_tokens";
                case "lm_head" -> "lm_head";
                case "norm" -> "model.norm";
                default -> throw new ExportException(file + ": modules_to_save " + m.asString() + " is not supported");
            };
            String key = PeftAdapter.wholeModuleKey(module);
            if (!tensors.names().contains(key)) {
                throw new ExportException(file + ": modules_to_save names " + m.asString() + " but " + key
                        + " is missing");
            }
            out.put(module + ".weight", key);
        }
        return out;
    }

    private static Map<String, Pair> pairs(Path file, SafetensorsWeightSource tensors, int rank, boolean dora,
                                           java.util.Collection<String> wholeModules) {
        Map<String, Pair> pairs = new LinkedHashMap<>();
        for (String name : tensors.names()) {
            if (dora && name.endsWith("." + PeftAdapter.MAGNITUDE) || wholeModules.contains(name)
                    || PeftAdapter.isHeadKey(name)) {
                continue;
            }
            PeftAdapter.Key key = PeftAdapter.parseKey(name).orElseThrow(() -> new ExportException(file
                    + ": unexpected tensor " + name + "; only lora_A/lora_B weights of linear layers can be merged"));
            if (!key.part().equals(PeftAdapter.LORA_A)) {
                continue;
            }
            String b = key.partner(PeftAdapter.LORA_B);
            if (!tensors.names().contains(b)) {
                throw new ExportException(file + ": " + name + " has no matching " + b);
            }
            if (tensors.shape(name)[0] != rank || tensors.shape(b)[1] != rank) {
                throw new ExportException(file + ": " + key.prefix() + key.module() + " has rank "
                        + tensors.shape(name)[0] + " but adapter_config.json says r = " + rank);
            }
            String magnitude = null;
            if (dora) {
                magnitude = key.prefix() + key.module() + "." + PeftAdapter.MAGNITUDE;
                if (!tensors.names().contains(magnitude)) {
                    throw new ExportException(file + ": use_dora is true but " + magnitude + " is missing");
                }
            }
            pairs.put(key.baseWeight(), new Pair(name, b, magnitude));
        }
        return pairs;
    }

    /** α/r (or α/√r): the factor applied to B·A. */
    /** The SEQ_CLS head's tensor name in the adapter file, when the adapter carries a classification head. */
    public Optional<String> headTensor() {
        return tensors.names().stream().filter(PeftAdapter::isHeadKey).findFirst();
    }

    /** A tensor of the adapter file by name, as float32 (the head, for merging). */
    public float[] read(String name) {
        return tensors.read(name);
    }

    /** The shape of a tensor of the adapter file. */
    public long[] shape(String name) {
        return tensors.shape(name);
    }

    public double scale() {
        return scale;
    }

    /** The rank r. */
    public int rank() {
        return rank;
    }

    /** Base-model weight names ({@code model.layers.0.self_attn.q_proj.weight}, ...) this adapter changes. */
    public List<String> adaptedWeights() {
        if (oft != null) {
            return List.copyOf(byOftWeight.keySet());
        }
        return List.copyOf(byBaseWeight.keySet());
    }

    /**
     * Adds {@code scale · B·A} to {@code weight} (row-major {@code [out, in]}) in place when {@code name} is adapted
     * (DoRA rescales, OFT rotates, modules_to_save replaces), as {@link #rowMerge} does row block by row block.
     */
    public void mergeInto(String name, long[] shape, float[] weight) {
        rowMerge(name, shape).ifPresent(merge -> {
            int rows = RowMerge.rows(shape);
            int cols = RowMerge.columns(shape);
            RowMerge.forEachBlock(rows, cols, (first, count) -> merge.apply(weight, first * cols, first, count));
        });
    }

    /**
     * How the rows of {@code name} (shape {@code [out, in]}) change, empty when the adapter leaves it alone. LoRA: each
     * row's delta {@code Σ_k B[i,k]·A[k,·]} is summed over k in order in float32, then {@code W[i,·] += delta·scale},
     * as {@code (B @ A) * scale} does element by element; DoRA then rescales the row. The adapter's tensors are read
     * here, once per weight; the returned merge may be applied to disjoint row blocks from several threads.
     */
    public Optional<RowMerge> rowMerge(String name, long[] shape) {
        if (oft != null) {                                 // OFT: W' = W·diag(R)ᵀ
            String key = byOftWeight.get(name);
            return key == null ? Optional.empty() : Optional.of(OftMerge.rows(name, shape, tensors.read(key), oft));
        }
        String whole = replacements.get(name);
        if (whole != null) {                               // modules_to_save: the trained module replaces the base's
            float[] trained = tensors.read(whole);
            if (trained.length != WeightSource.elementCount(shape)) {
                throw new ExportException("adapter " + whole + " does not fit base weight " + name + " of shape "
                        + java.util.Arrays.toString(shape) + "; was it trained on another model?");
            }
            int cols = RowMerge.columns(shape);
            return Optional.of((block, offset, first, rows) ->
                    System.arraycopy(trained, first * cols, block, offset, rows * cols));
        }
        Pair pair = byBaseWeight.get(name);
        if (pair == null) {
            return Optional.empty();
        }
        float[] a = tensors.read(pair.loraA()); // (r, in)
        float[] b = tensors.read(pair.loraB()); // (out, r)
        int out = (int) shape[0];
        int in = (int) shape[1];
        if (a.length != (long) rank * in || b.length != (long) out * rank) {
            throw new ExportException("adapter " + pair.loraA() + " does not fit base weight " + name + " of shape ["
                    + out + ", " + in + "]; was it trained on another model?");
        }
        float[] magnitude = pair.magnitude() == null ? null : tensors.read(pair.magnitude()); // (out)
        if (magnitude != null && magnitude.length != out) {
            throw new ExportException("DoRA magnitude of " + name + " has " + magnitude.length + " entries, the weight "
                    + out + " rows; was it trained on another model?");
        }
        return Optional.of(new LoraRows(a, b, rank, in, (float) scale, magnitude));
    }

    /** LoRA (and DoRA) rows: {@code W[i,·] += (Σ_k B[i,k]·A[k,·]) · scale}, then DoRA's rescale of the row. */
    private record LoraRows(float[] a, float[] b, int rank, int in, float scale, float[] magnitude)
            implements RowMerge {

        /** The row delta, per thread. */
        private static final ThreadLocal<float[]> DELTA = ThreadLocal.withInitial(() -> new float[0]);

        @Override
        public void apply(float[] block, int offset, int firstRow, int rows) {
            float[] delta = DELTA.get();                                        // (in)
            if (delta.length < in) {
                delta = new float[in];
                DELTA.set(delta);
            }
            for (int r = 0; r < rows; r++) {
                int wRow = offset + r * in;
                addLowRankRow(a, b, rank, in, scale, firstRow + r, block, wRow, delta);
                if (magnitude != null) {
                    rescaleRow(block, wRow, in, magnitude[firstRow + r]);
                }
            }
        }
    }

    /**
     * {@code w[wRow + j] += (Σ_k B[i,k]·A[k,j]) · scale}: the sum from 0 in k order, four terms per pass over the row
     * (one load and store of {@code delta} per four products, each still added on its own).
     *
     * @param a     A (r, in) row-major
     * @param b     B (out, r) row-major
     * @param delta scratch (in)
     */
    static void addLowRankRow(float[] a, float[] b, int rank, int in, float scale, int i, float[] w, int wRow,
                              float[] delta) {
        java.util.Arrays.fill(delta, 0, in, 0f);
        int bRow = i * rank;
        int k = 0;
        for (; k + 4 <= rank; k += 4) {
            float b0 = b[bRow + k];
            float b1 = b[bRow + k + 1];
            float b2 = b[bRow + k + 2];
            float b3 = b[bRow + k + 3];
            int a0 = k * in;
            int a1 = a0 + in;
            int a2 = a1 + in;
            int a3 = a2 + in;
            for (int j = 0; j < in; j++) {
                float d = delta[j];
                d += b0 * a[a0 + j];
                d += b1 * a[a1 + j];
                d += b2 * a[a2 + j];
                d += b3 * a[a3 + j];
                delta[j] = d;
            }
        }
        for (; k < rank; k++) {
            float bk = b[bRow + k];
            int a0 = k * in;
            for (int j = 0; j < in; j++) {
                delta[j] += bk * a[a0 + j];
            }
        }
        for (int j = 0; j < in; j++) {
            w[wRow + j] += delta[j] * scale;
        }
    }

    /** DoRA: the row {@code W'_i} becomes {@code m_i / ‖W'_i‖ · W'_i} (the norm in double). */
    private static void rescaleRow(float[] block, int start, int in, float magnitude) {
        double sumOfSquares = 0;
        for (int j = 0; j < in; j++) {
            double v = block[start + j];
            sumOfSquares += v * v;
        }
        float factor = (float) (magnitude / Math.sqrt(sumOfSquares));
        for (int j = 0; j < in; j++) {
            block[start + j] *= factor;
        }
    }

    @Override
    public void close() {
        tensors.close();
    }
}
