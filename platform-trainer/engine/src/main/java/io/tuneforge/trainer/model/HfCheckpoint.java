package io.tuneforge.trainer.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.tuneforge.trainer.model.safetensors.SafetensorsDType;
import io.tuneforge.trainer.model.safetensors.SafetensorsReader;
import io.tuneforge.trainer.model.safetensors.SafetensorsWriter;
import io.tuneforge.trainer.model.safetensors.TensorInfo;
import io.tuneforge.trainer.model.safetensors.TensorSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SequencedMap;

import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A Llama-family model directory in Hugging Face layout, both ways, driven by {@link HfWeightNames}: reading checks
 * every tensor against {@link HfWeightNames#expected} (missing, mis-shaped or quantized tensors fail naming the key)
 * and builds the layers; {@link #byName} names every weight back for full or freeze training and for
 * {@link #write writing} ({@code *.safetensors}, {@code config.json} with {@code torch_dtype}, tokenizer and
 * generation files copied).
 */
final class HfCheckpoint {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** Files of the source directory a written model directory carries over unchanged. */
    private static final List<String> COPIED_FILES = List.of("generation_config.json", "tokenizer.json",
            "tokenizer_config.json", "special_tokens_map.json", "tokenizer.model", "chat_template.jinja");

    private HfCheckpoint() {
    }

    /**
     * Reads the weights of {@code directory}: norms, embedding and LM head in FLOAT32, the decoder linears in
     * {@code baseType} (FLOAT16 keeps a frozen base small on CUDA).
     */
    static LlamaWeights read(Path directory, ModelConfig config, DataType baseType, NDManager manager)
            throws IOException {
        return read(directory, config, baseType, manager, ComputeKernels.none());
    }

    /**
     * As {@link #read(Path, ModelConfig, DataType, NDManager)}, the decoder linears and attention computing with
     * {@code kernels}: with a bf16 store the linears' weights go into it as bfloat16 bits (no float32 copy), with the
     * autocast module they stay float32 and compute in bf16.
     */
    static LlamaWeights read(Path directory, ModelConfig config, DataType baseType, NDManager manager,
                             ComputeKernels kernels) throws IOException {
        LlamaWeights weights;
        try (SafetensorsReader reader = SafetensorsReader.open(directory)) {
            weights = assemble(new CheckedTensors(reader, config, manager, directory, kernels), config, baseType,
                    manager, kernels);
        }
        return weights;
    }

    private static LlamaWeights assemble(CheckedTensors w, ModelConfig config, DataType base, NDManager manager,
                                         ComputeKernels kernels) {
        NDArray eps = manager.full(new Shape(), (float) config.rmsNormEps(), DataType.FLOAT32);
        NDArray scale = manager.full(new Shape(), (float) (1.0 / Math.sqrt(config.gemma()
                .map(GemmaSpec::queryPreAttnScalar).orElse((double) config.headDim()))), DataType.FLOAT32);
        w.gemmaOne = config.architecture().isGemma() ? manager.full(new Shape(), 1f, DataType.FLOAT32) : null;
        w.gelu = config.architecture().isGemma() ? new GeluTanh(manager) : null;
        boolean tied = config.tieWordEmbeddings();
        // only a BF16 embedding / head: its bf16 copy is then exact, so logits equal those of the float32 embedding
        // and the autocast head bit for bit; an F32 checkpoint keeps its float32 values (rounding them would move a
        // small model's greedy answers)
        boolean inStore = kernels.embeddingInStore() && w.isBf16(HfWeightNames.EMBED)
                && (tied || w.isBf16(HfWeightNames.LM_HEAD));
        Bf16WeightStore.Weight embeddingBf16 = inStore ? w.stored(HfWeightNames.EMBED) : null;     // (V, C) bf16
        NDArray embedding = inStore ? null : w.take(HfWeightNames.EMBED, DataType.FLOAT32);       // (V, C)
        List<DecoderBlock> blocks = new ArrayList<>();
        for (int i = 0; i < config.numLayers(); i++) {
            blocks.add(block(w, config, base, eps, scale, i, kernels));
        }
        RmsNorm finalNorm = w.norm(HfWeightNames.FINAL_NORM, eps);
        Bf16WeightStore.Weight lmHeadBf16 = !inStore ? null : tied ? embeddingBf16 : w.stored(HfWeightNames.LM_HEAD);
        NDArray lmHead = inStore ? null : tied ? embedding : w.take(HfWeightNames.LM_HEAD, DataType.FLOAT32);
        return new LlamaWeights(embedding, blocks, finalNorm, lmHead, embeddingBf16, lmHeadBf16);
    }

    private static DecoderBlock block(CheckedTensors w, ModelConfig config, DataType base, NDArray eps, NDArray scale,
                                      int i, ComputeKernels kernels) {
        RmsNorm qNorm = config.qkNorm() ? w.norm(HfWeightNames.queryNorm(i), eps) : null;
        RmsNorm kNorm = config.qkNorm() ? w.norm(HfWeightNames.keyNorm(i), eps) : null;
        if (config.architecture().isGemma()) {
            return gemmaBlock(w, config, base, eps, scale, i, qNorm, kNorm);
        }
        Attention attention;
        FeedForward mlp;
        if (config.architecture().fusedProjections()) {
            attention = Attention.fused(
                    w.linear(HfWeightNames.linear(i, "qkv_proj"), false, base),
                    w.linear(HfWeightNames.linear(i, "o_proj"), config.oBias(), base),
                    config, scale, kernels.sdpa(), kernels.causal());
            mlp = Mlp.fused(
                    w.linear(HfWeightNames.linear(i, "gate_up_proj"), false, base),
                    w.linear(HfWeightNames.linear(i, "down_proj"), config.mlpBias(), base));
        } else {
            attention = new Attention(
                    w.linear(HfWeightNames.linear(i, "q_proj"), config.qkvBias(), base),
                    w.linear(HfWeightNames.linear(i, "k_proj"), config.qkvBias(), base),
                    w.linear(HfWeightNames.linear(i, "v_proj"), config.qkvBias(), base),
                    w.linear(HfWeightNames.linear(i, "o_proj"), config.oBias(), base),
                    qNorm, kNorm, config, scale, kernels.sdpa(), kernels.causal());
            mlp = config.moe().isPresent() && config.moe().get().sparse(i) ? sparseMoe(w, config, base, i) : new Mlp(
                    w.linear(HfWeightNames.linear(i, "gate_proj"), config.mlpBias(), base),
                    w.linear(HfWeightNames.linear(i, "up_proj"), config.mlpBias(), base),
                    w.linear(HfWeightNames.linear(i, "down_proj"), config.mlpBias(), base));
        }
        return new DecoderBlock(i, w.norm(HfWeightNames.inputNorm(i), eps), attention,
                w.norm(HfWeightNames.postAttentionNorm(i), eps), mlp);
    }

    /** Layer i's sparse block: router, experts (gate, up, down) and, for Qwen2-MoE, the shared expert and its gate. */
    private static SparseMoe sparseMoe(CheckedTensors w, ModelConfig config, DataType base, int i) {
        MoeSpec moe = config.moe().orElseThrow();
        ModelArchitecture a = config.architecture();
        List<Mlp> experts = new ArrayList<>();
        for (int e = 0; e < moe.numExperts(); e++) {
            experts.add(new Mlp(
                    w.linear(HfWeightNames.expert(i, a, e, "gate"), false, base),
                    w.linear(HfWeightNames.expert(i, a, e, "up"), false, base),
                    w.linear(HfWeightNames.expert(i, a, e, "down"), false, base)));
        }
        Mlp shared = null;
        Linear sharedGate = null;
        if (moe.sharedExpertSize() > 0) {
            shared = new Mlp(
                    w.linear(HfWeightNames.sharedExpert(i, "gate_proj"), false, base),
                    w.linear(HfWeightNames.sharedExpert(i, "up_proj"), false, base),
                    w.linear(HfWeightNames.sharedExpert(i, "down_proj"), false, base));
            sharedGate = w.linear(HfWeightNames.sharedExpertGate(i), false, base);
        }
        return new SparseMoe(w.linear(HfWeightNames.router(i, a), false, base), experts, shared, sharedGate,
                moe.topK(), moe.normaliseTopK());
    }

    /**
     * Gemma's layer: soft-capped attention, GELU-tanh MLP, four (1 + w) norms, per-layer window and RoPE base. Its
     * attention is always the manual one (soft-capping and the query pre-attention scalar have no SDPA kernel).
     */
    private static DecoderBlock gemmaBlock(CheckedTensors w, ModelConfig config, DataType base, NDArray eps,
                                           NDArray scale, int i, RmsNorm qNorm, RmsNorm kNorm) {
        GemmaSpec gemma = config.gemma().orElseThrow();
        Attention attention = new Attention(
                w.linear(HfWeightNames.linear(i, "q_proj"), config.qkvBias(), base),
                w.linear(HfWeightNames.linear(i, "k_proj"), config.qkvBias(), base),
                w.linear(HfWeightNames.linear(i, "v_proj"), config.qkvBias(), base),
                w.linear(HfWeightNames.linear(i, "o_proj"), config.oBias(), base),
                qNorm, kNorm, config, scale);
        if (gemma.attnLogitSoftcapping().isPresent()) {
            attention.withSoftcap(w.manager.full(new Shape(), (float) gemma.attnLogitSoftcapping().getAsDouble(),
                    DataType.FLOAT32));
        }
        Mlp mlp = Mlp.geluTanh(
                w.linear(HfWeightNames.linear(i, "gate_proj"), config.mlpBias(), base),
                w.linear(HfWeightNames.linear(i, "up_proj"), config.mlpBias(), base),
                w.linear(HfWeightNames.linear(i, "down_proj"), config.mlpBias(), base), w.gelu);
        boolean sliding = gemma.sliding(i);
        RotaryEmbedding ownRope = sliding && gemma.localRopeTheta().isPresent()
                ? RotaryEmbedding.local(w.manager, config, gemma.localRopeTheta().getAsDouble()) : null;
        return DecoderBlock.gemma(i, w.norm(HfWeightNames.inputNorm(i), eps), attention,
                w.norm(HfWeightNames.postAttentionNorm(i), eps), w.norm(HfWeightNames.preFeedforwardNorm(i), eps), mlp,
                w.norm(HfWeightNames.postFeedforwardNorm(i), eps), sliding ? gemma.slidingWindow() : Integer.MAX_VALUE,
                ownRope);
    }

    /** The checkpoint's tensors, checked against {@link HfWeightNames#expected} before anything is loaded. */
    private static final class CheckedTensors {
        private final SafetensorsReader reader;
        private final NDManager manager;
        private final Map<String, WeightSpec> expected = new LinkedHashMap<>();
        private final Path directory;
        private final ModelConfig config;
        private final ComputeKernels kernels;
        private NDArray gemmaOne;     // () 1 for Gemma's (1 + w) norms, else null
        private GeluTanh gelu;        // Gemma's activation constants, else null

        CheckedTensors(SafetensorsReader reader, ModelConfig config, NDManager manager, Path directory,
                       ComputeKernels kernels) {
            this.reader = reader;
            this.kernels = kernels;
            this.manager = manager;
            this.directory = directory;
            this.config = config;
            for (WeightSpec spec : HfWeightNames.expected(config)) {
                expected.put(spec.name(), spec);
            }
            for (WeightSpec spec : expected.values()) {
                check(spec);
            }
        }

        private void check(WeightSpec spec) {
            Optional<TensorInfo> info = reader.find(spec.name());
            if (info.isEmpty()) {
                throw new ModelConfigException(directory + ": tensor '" + spec.name() + "' is missing from the "
                        + "checkpoint; a " + config.architecture().hfName() + " with this config.json needs it with shape "
                        + spec.shapeText());
            }
            if (!Arrays.equals(info.get().shape(), spec.shape())) {
                throw new ModelConfigException(directory + ": tensor '" + spec.name() + "' has shape "
                        + info.get().shapeText() + " but config.json implies " + spec.shapeText());
            }
            if (!info.get().dtype().isFloatingPoint()) {
                throw new ModelConfigException(directory + ": tensor '" + spec.name() + "' is " + info.get().dtype()
                        + "; weights must be F32, F16 or BF16 (quantized checkpoints are not supported)");
            }
        }

        NDArray take(String name, DataType type) {
            if (!expected.containsKey(name)) {
                throw new IllegalStateException("weight not in the expected table: " + name);
            }
            return reader.load(manager, name, type);
        }

        /** Whether checkpoint tensor {@code name} is stored as BF16. */
        boolean isBf16(String name) {
            return reader.info(name).dtype() == SafetensorsDType.BF16;
        }

        /**
         * A 2-D weight put into the bf16 store, read in row chunks without mapping the file, so the load never
         * holds the checkpoint beside its copy.
         */
        Bf16WeightStore.Weight stored(String name) {
            if (!expected.containsKey(name)) {
                throw new IllegalStateException("weight not in the expected table: " + name);
            }
            long[] shape = reader.info(name).shape();                                            // (out, in)
            return kernels.store().add(reader, name, shape[0], shape[1]);
        }

        /** A norm weight (FLOAT32) as the family uses it: w, or Gemma's 1 + w. */
        RmsNorm norm(String name, NDArray eps) {
            NDArray weight = take(name, DataType.FLOAT32);                                      // (C) or (hd)
            return gemmaOne == null ? new RmsNorm(weight, eps) : RmsNorm.gemma(weight, eps, gemmaOne);
        }

        Linear linear(String module, boolean bias, DataType type) {
            NDArray b = bias ? take(HfWeightNames.bias(module), DataType.FLOAT32) : null;       // (out)
            String name = HfWeightNames.weight(module);
            if (kernels.quantized() != null) {
                NDArray weight = take(name, DataType.FLOAT32);                                  // (out, in)
                try {
                    return new Linear(module, kernels.quantized().add(weight), b);
                } finally {
                    weight.close();
                }
            }
            if (kernels.store() != null) {
                return new Linear(module, stored(name), b);
            }
            NDArray weight = take(name, type);                                                  // (out, in)
            return new Linear(module, weight, b, kernels.autocast());
        }
    }

    /**
     * Every weight by Hugging Face key in checkpoint order (embedding, layers, final norm, LM head unless tied), with
     * its current values: merge LoRA adapters first to write a tuned model.
     */
    static SequencedMap<String, NDArray> byName(LlamaWeights weights, boolean tiedEmbeddings) {
        SequencedMap<String, NDArray> named = new LinkedHashMap<>();
        named.put(HfWeightNames.EMBED, weights.embedding());
        for (DecoderBlock block : weights.blocks()) {
            named.putAll(byName(block));
        }
        named.put(HfWeightNames.FINAL_NORM, weights.finalNorm().weight());
        if (!tiedEmbeddings) {
            named.put(HfWeightNames.LM_HEAD, weights.lmHead());
        }
        return named;
    }

    /** One decoder layer's weights by Hugging Face key, in checkpoint order. */
    static SequencedMap<String, NDArray> byName(DecoderBlock block) {
        int i = block.index();
        SequencedMap<String, NDArray> named = new LinkedHashMap<>();
        named.put(HfWeightNames.inputNorm(i), block.inputNorm().weight());
        for (Linear linear : block.attention().linears()) {
            putLinear(named, linear);
        }
        if (block.attention().qNorm() != null) {
            named.put(HfWeightNames.queryNorm(i), block.attention().qNorm().weight());
            named.put(HfWeightNames.keyNorm(i), block.attention().kNorm().weight());
        }
        named.put(HfWeightNames.postAttentionNorm(i), block.postAttentionNorm().weight());
        if (block.preFeedforwardNorm() != null) {
            named.put(HfWeightNames.preFeedforwardNorm(i), block.preFeedforwardNorm().weight());
        }
        for (Linear linear : block.mlp().linears()) {
            putLinear(named, linear);
        }
        if (block.postFeedforwardNorm() != null) {
            named.put(HfWeightNames.postFeedforwardNorm(i), block.postFeedforwardNorm().weight());
        }
        return named;
    }

    private static void putLinear(SequencedMap<String, NDArray> named, Linear linear) {
        named.put(HfWeightNames.weight(linear.path()), linear.weight());
        linear.bias().ifPresent(b -> named.put(HfWeightNames.bias(linear.path()), b));
    }

    /** {@link #byName} as sources for the streaming safetensors writer (each converted when it is written). */
    static List<TensorSource> tensors(LlamaWeights weights, boolean tiedEmbeddings) {
        List<TensorSource> sources = new ArrayList<>();
        byName(weights, tiedEmbeddings).forEach((name, array) -> sources.add(TensorSource.of(name, array)));
        return sources;
    }

    /**
     * Writes a Hugging Face model directory: the weights in {@code dtype} (sharded at {@code maxShardBytes}),
     * {@code config.json} of {@code source} with {@code torch_dtype} set, tokenizer and generation files copied. Every
     * file is written atomically.
     */
    static void write(Path source, Path target, List<TensorSource> tensors, SafetensorsDType dtype, long maxShardBytes)
            throws IOException {
        write(source, target, tensors, dtype, maxShardBytes, JSON.createObjectNode());
    }

    /** As {@link #write(Path, Path, List, SafetensorsDType, long)}, with {@code configEntries} set in config.json. */
    static void write(Path source, Path target, List<TensorSource> tensors, SafetensorsDType dtype, long maxShardBytes,
                      ObjectNode configEntries) throws IOException {
        Files.createDirectories(target);
        SafetensorsWriter.writeModel(target, tensors, dtype, maxShardBytes);
        ObjectNode configJson = (ObjectNode) JSON.readTree(Files.readString(source.resolve("config.json")));
        configJson.setAll(configEntries);
        configJson.put("torch_dtype", dtype.torchDtype());
        writeAtomically(target.resolve("config.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(configJson));
        for (String name : COPIED_FILES) {
            Path file = source.resolve(name);
            if (Files.isRegularFile(file) && !file.toAbsolutePath().equals(target.resolve(name).toAbsolutePath())) {
                Path temp = target.resolve("." + name + ".tmp");
                Files.copy(file, temp, StandardCopyOption.REPLACE_EXISTING);
                Files.move(temp, target.resolve(name), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            }
        }
    }

    private static void writeAtomically(Path file, String text) throws IOException {
        Path temp = file.resolveSibling("." + file.getFileName() + ".tmp");
        Files.writeString(temp, text);
        Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
