package io.tuneforge.trainer.export;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A PEFT LoRA adapter directory as far as merging needs it: {@code adapter_config.json} (r, lora_alpha, use_rslora)
 * and {@code adapter_model.safetensors} with keys {@code base_model.model.<module>.lora_A.weight} ({@code [r, in]}) and
 * {@code .lora_B.weight} ({@code [out, r]}). The merged weight of {@code <module>.weight} is
 * {@code W + scale · B·A} with {@code scale = lora_alpha / r} ({@code lora_alpha / √r} with rsLoRA).
 * Variants that change that formula (DoRA, fan_in_fan_out, per-module rank/alpha patterns, trained biases,
 * modules_to_save, embedding LoRA) are refused with a message rather than merged wrongly.
 */
public final class LoraAdapter implements AutoCloseable {

    private static final String PREFIX = "base_model.model.";
    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** One adapted weight: the safetensors keys of its A and B. */
    public record Pair(String loraA, String loraB) {
    }

    private final SafetensorsWeightSource tensors;
    private final double scale;
    private final int rank;
    private final Map<String, Pair> byBaseWeight;

    private LoraAdapter(SafetensorsWeightSource tensors, double scale, int rank, Map<String, Pair> byBaseWeight) {
        this.tensors = tensors;
        this.scale = scale;
        this.rank = rank;
        this.byBaseWeight = byBaseWeight;
    }

    /** Reads an adapter directory written by PEFT (or by TuneForge, which writes the same format). */
    public static LoraAdapter open(Path dir) {
        Path configFile = dir.resolve("adapter_config.json");
        Path weights = dir.resolve("adapter_model.safetensors");
        if (!Files.isRegularFile(configFile) || !Files.isRegularFile(weights)) {
            throw new ExportException(dir + ": an adapter directory needs adapter_config.json and "
                    + "adapter_model.safetensors (PEFT format)");
        }
        JsonNode config = JSON.readTree(configFile.toFile());
        requireSupported(configFile, config);
        int rank = config.path("r").asInt(0);
        double alpha = config.path("lora_alpha").asDouble(0);
        if (rank <= 0 || alpha == 0) {
            throw new ExportException(configFile + ": fields \"r\" (> 0) and \"lora_alpha\" are required");
        }
        double scale = config.path("use_rslora").asBoolean(false) ? alpha / Math.sqrt(rank) : alpha / rank;
        SafetensorsWeightSource tensors = SafetensorsWeightSource.open(weights);
        try {
            return new LoraAdapter(tensors, scale, rank, pairs(weights, tensors, rank));
        } catch (RuntimeException e) {
            tensors.close();
            throw e;
        }
    }

    private static void requireSupported(Path file, JsonNode config) {
        if (!config.path("peft_type").asString("LORA").equals("LORA")) {
            throw new ExportException(file + ": peft_type is " + config.path("peft_type").asString()
                    + "; only LORA adapters can be merged");
        }
        refuseIf(file, config.path("use_dora").asBoolean(false), "use_dora is true (DoRA merging is not supported)");
        refuseIf(file, config.path("fan_in_fan_out").asBoolean(false), "fan_in_fan_out is true (Conv1D layouts)");
        refuseIf(file, !config.path("bias").asString("none").equals("none"), "bias is not \"none\"");
        refuseIf(file, nonEmpty(config.path("modules_to_save")), "modules_to_save is set");
        refuseIf(file, nonEmpty(config.path("rank_pattern")) || nonEmpty(config.path("alpha_pattern")),
                "rank_pattern/alpha_pattern give per-module ranks");
    }

    private static boolean nonEmpty(JsonNode node) {
        return !node.isMissingNode() && !node.isNull() && !node.isEmpty();
    }

    private static void refuseIf(Path file, boolean condition, String why) {
        if (condition) {
            throw new ExportException(file + ": cannot merge this adapter: " + why);
        }
    }

    private static Map<String, Pair> pairs(Path file, SafetensorsWeightSource tensors, int rank) {
        Map<String, Pair> pairs = new LinkedHashMap<>();
        for (String key : tensors.names()) {
            // PEFT strips the adapter name when saving; some tools keep it (".lora_A.default.weight")
            String suffix = key.endsWith(".lora_A.weight") ? ".lora_A.weight"
                    : key.endsWith(".lora_A.default.weight") ? ".lora_A.default.weight" : null;
            if (suffix == null) {
                if (!key.endsWith(".lora_B.weight") && !key.endsWith(".lora_B.default.weight")) {
                    throw new ExportException(file + ": unexpected tensor " + key + "; only lora_A/lora_B weights of "
                            + "linear layers can be merged");
                }
                continue;
            }
            String module = key.substring(0, key.length() - suffix.length());
            String b = module + suffix.replace("lora_A", "lora_B");
            if (!tensors.names().contains(b)) {
                throw new ExportException(file + ": " + key + " has no matching " + b);
            }
            if (tensors.shape(key)[0] != rank || tensors.shape(b)[1] != rank) {
                throw new ExportException(file + ": " + module + " has rank " + tensors.shape(key)[0]
                        + " but adapter_config.json says r = " + rank);
            }
            String base = module.startsWith(PREFIX) ? module.substring(PREFIX.length()) : module;
            pairs.put(base + ".weight", new Pair(key, b));
        }
        return pairs;
    }

    /** α/r (or α/√r): the factor applied to B·A. */
    public double scale() {
        return scale;
    }

    /** The rank r. */
    public int rank() {
        return rank;
    }

    /** Base-model weight names ({@code model.layers.0.self_attn.q_proj.weight}, ...) this adapter changes. */
    public List<String> adaptedWeights() {
        return List.copyOf(byBaseWeight.keySet());
    }

    /**
     * Adds {@code scale · B·A} to {@code weight} (row-major {@code [out, in]}) in place when {@code name} is adapted.
     * Each row's delta is summed over r in float32 before scaling, as {@code (B @ A) * scale} does.
     */
    public void mergeInto(String name, long[] shape, float[] weight) {
        Pair pair = byBaseWeight.get(name);
        if (pair == null) {
            return;
        }
        float[] a = tensors.read(pair.loraA()); // (r, in)
        float[] b = tensors.read(pair.loraB()); // (out, r)
        int out = (int) shape[0];
        int in = (int) shape[1];
        if (a.length != (long) rank * in || b.length != (long) out * rank) {
            throw new ExportException("adapter " + pair.loraA() + " does not fit base weight " + name + " of shape ["
                    + out + ", " + in + "]; was it trained on another model?");
        }
        float s = (float) scale;
        float[] delta = new float[in];
        for (int i = 0; i < out; i++) {
            java.util.Arrays.fill(delta, 0f);
            for (int k = 0; k < rank; k++) {
                float bik = b[i * rank + k];
                int aRow = k * in;
                for (int j = 0; j < in; j++) {
                    delta[j] += bik * a[aRow + j];
                }
            }
            int wRow = i * in;
            for (int j = 0; j < in; j++) {
                weight[wRow + j] += delta[j] * s;
            }
        }
    }

    @Override
    public void close() {
        tensors.close();
    }
}
