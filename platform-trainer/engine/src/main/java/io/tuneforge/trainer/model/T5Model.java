package io.tuneforge.trainer.model;

import static io.tuneforge.trainer.model.Owned.own;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.tuneforge.shared.recipe.RecipeMethod;
import io.tuneforge.trainer.model.lora.LoraConfig;
import io.tuneforge.trainer.model.lora.LoraHost;
import io.tuneforge.trainer.model.lora.LoraWeights;
import io.tuneforge.trainer.model.lora.PeftAdapter;
import io.tuneforge.trainer.model.safetensors.SafetensorsDType;
import io.tuneforge.trainer.model.safetensors.SafetensorsReader;
import io.tuneforge.trainer.model.safetensors.SafetensorsWriter;
import io.tuneforge.trainer.model.safetensors.TensorSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.SequencedMap;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.Function;

/**
 * A T5 encoder-decoder ({@code T5ForConditionalGeneration}: T5 v1.0, v1.1, Flan-T5) presented as a causal language
 * model, so that the trainer's loss, the generator and the scorer work on it unchanged (DD036).
 * <p>
 * A row {@code [s1 .. sm, t1 .. tn]} whose source ends at its first {@code </s>} (sm) is computed as
 * <pre>
 *   e = encoder(s1 .. sm)                                     bidirectional, relative position buckets
 *   d = decoder([decoder_start, t1 .. tn], e)                 causal self-attention, cross-attention over e
 *   hidden[m-1+j] = d[j]  (j = 0 .. n)                        the state that predicts t(j+1)
 *   hidden[p] = 0         (p &lt; m-1)                          source positions predict nothing
 * </pre>
 * so position p predicts token p+1 as in a decoder-only model (the source's labels are masked as a prompt). With a
 * {@link KvCache} the first call runs the encoder and keeps the cross-attention keys/values of every decoder layer;
 * later calls step the decoder. The tied head (v1.0) scales the decoder output by d_model^-0.5, folded into the
 * hidden states so that every LM-head consumer sees transformers' logits.
 */
public final class T5Model implements CausalLanguageModel, LoraHost {

    /** The Llama names LLaMA-Factory's {@code lora_target: all} arrives as; T5 maps them to its own linears. */
    private static final List<String> LLAMA_ALL = HfWeightNames.LINEAR_MODULES;

    private final Path directory;
    private final T5Config t5;
    private final ModelConfig config;
    private final ModelOptions options;
    private final NDManager manager;
    private final NDArray shared;             // (V, C) the token embedding of both stacks
    private final NDArray lmHead;             // (V, C) lm_head.weight, or shared when tied
    private final boolean untiedHead;
    private final NDArray encoderBias;        // (buckets, H) encoder's relative_attention_bias
    private final NDArray decoderBias;        // (buckets, H) decoder's relative_attention_bias
    private final List<T5Block> encoder;
    private final List<T5Block> decoder;
    private final RmsNorm encoderNorm;
    private final RmsNorm decoderNorm;
    private final NDArray outputScale;        // () d_model^-0.5 when the decoder output is scaled, else null
    private final List<NamedParameter> trainable = new ArrayList<>();
    private Optional<LoraConfig> lora = Optional.empty();

    private T5Model(Path directory, T5Config t5, ModelOptions options, NDManager manager, Weights w) {
        this.directory = directory;
        this.t5 = t5;
        this.config = ModelConfig.of(t5);
        this.options = options;
        this.manager = manager;
        this.shared = w.shared;
        this.lmHead = w.lmHead;
        this.untiedHead = w.lmHead != w.shared;
        this.encoderBias = w.encoderBias;
        this.decoderBias = w.decoderBias;
        this.encoder = w.encoder;
        this.decoder = w.decoder;
        this.encoderNorm = w.encoderNorm;
        this.decoderNorm = w.decoderNorm;
        this.outputScale = t5.scaleDecoderOutputs()
                ? manager.full(new Shape(), (float) Math.pow(t5.dModel(), -0.5), DataType.FLOAT32) : null;
    }

    /** Loads a T5 model directory and sets up the fine-tuning of {@code options} (none, full or LoRA). */
    public static T5Model load(Path directory, ModelOptions options) throws IOException {
        refuseUnsupported(options, directory);
        T5Config t5 = T5Config.load(directory);
        NDManager manager = NDManager.newBaseManager(options.device().toDjl());
        try {
            Weights weights;
            try (SafetensorsReader reader = SafetensorsReader.open(directory)) {
                weights = Weights.read(reader, t5, directory, manager);
            }
            T5Model model = new T5Model(directory, t5, options, manager, weights);
            model.setUpFineTuning(options.fineTuning(), options.seed());
            return model;
        } catch (RuntimeException | IOException e) {
            manager.close();
            throw e;
        }
    }

    private static void refuseUnsupported(ModelOptions options, Path directory) {
        if (options.quantizesBase() || options.precision() != Precision.FP32) {
            throw new ModelConfigException(directory + ": T5 runs in float32 only in TuneForge (no quantization_bit, "
                    + "no bf16 compute); got precision " + options.precision() + ", quantization "
                    + options.quantization().bits() + " bit");
        }
        FineTuning f = options.fineTuning();
        if (!(f instanceof FineTuning.None || f instanceof FineTuning.Full || f instanceof FineTuning.Lora)) {
            throw new ModelConfigException(directory + ": T5 fine-tunes with lora or full only; "
                    + f.getClass().getSimpleName().toLowerCase(Locale.ROOT) + " is not supported for "
                    + "encoder-decoder models");
        }
    }

    private void setUpFineTuning(FineTuning fineTuning, long seed) {
        Engine.getInstance().setRandomSeed((int) seed);
        switch (fineTuning) {
            case FineTuning.Full full -> byName().forEach((name, array) -> {
                array.setRequiresGradient(true);
                trainable.add(new NamedParameter(name, array));
            });
            case FineTuning.Lora l -> {
                if (l.convertPissa() || l.lora().isPissa() || l.lora().useDora()) {
                    throw new ModelConfigException(directory + ": T5 trains plain LoRA (no DoRA, no PiSSA)");
                }
                addLora(l.lora(), seed);
            }
            default -> {
            }
        }
    }

    /** The T5 configuration (encoder and decoder sizes, buckets, activation). */
    public T5Config t5Config() {
        return t5;
    }

    // ---------------------------------------------------------------- forward

    @Override
    public NDArray hiddenStates(NDManager step, NDArray inputIds, boolean training, KvCache cache) {
        return forward(step, inputIds, training, cache, new int[(int) inputIds.getShape().get(0)]);
    }

    @Override
    public NDArray hiddenStates(NDManager step, NDArray inputIds, KvCache cache, int[] leftPadding) {
        if (leftPadding.length != inputIds.getShape().get(0)) {
            throw new IllegalArgumentException("leftPadding has " + leftPadding.length + " rows, the batch "
                    + inputIds.getShape().get(0));
        }
        return forward(step, inputIds, false, cache, leftPadding);
    }

    /**
     * @param inputIds    (B, L) presented rows: [padding] source ... &lt;/s&gt; [target ...]
     * @param leftPadding per row, the padding positions in front (prefill of a left-padded batch), else zeros
     * @return (B, L, C) in {@code step}
     */
    private NDArray forward(NDManager step, NDArray inputIds, boolean training, KvCache cache, int[] leftPadding) {
        long[][] rows = rows(inputIds);
        if (cache != null && cache.length() > 0) {
            NDArray ids = ids(step, rows);                                                     // (B, T)
            int past = (int) cache.stored(0)[0].getShape().get(2);
            NDArray states = decode(step, ids, null, cache.sourceMask(), cache, past, training); // (B, T, C)
            cache.advance(inputIds);
            return states;
        }
        Split split = Split.of(rows, leftPadding, t5.eosTokenId(), t5.decoderStartTokenId(), t5.padTokenId());
        if (cache != null && !split.sameTargetLength()) {
            throw new IllegalArgumentException("a T5 batch decoded with a cache needs every row to end its source "
                    + "(first </s>) at the same column; target lengths after the source are " + split.describe());
        }
        NDArray sourceMask = sourceMask(step, split);                                         // (B, 1, 1, M)
        NDArray encoded = encode(step, ids(step, split.source()), sourceMask, training);      // (B, M, C)
        if (cache != null) {
            cache.sourceMask(sourceMask);
        }
        NDArray decoded = decode(step, ids(step, split.decoderInput()), encoded, sourceMask, cache, 0,
                training);                                                                     // (B, D, C)
        if (cache != null) {
            cache.advance(inputIds);
        }
        return present(step, decoded, split);                                                 // (B, L, C)
    }

    /** The encoder stack: (B, M) ids → (B, M, C) final-normed states. */
    private NDArray encode(NDManager step, NDArray ids, NDArray sourceMask, boolean training) {
        int m = (int) ids.getShape().get(1);
        NDArray bias = own(step, positionBias(step, encoderBias, m, m, 0, true).add(sourceMask));   // (B, H, M, M)
        NDArray x = own(step, shared.get(new NDIndex("{}", ids)));                                 // (B, M, C)
        for (T5Block block : encoder) {
            x = block.forward(step, x, bias, null, null, null, 0, training);
        }
        return encoderNorm.forward(step, x);
    }

    /**
     * The decoder stack over (B, T) ids at decoder positions {@code past ..}; {@code encoded} is the encoder output,
     * or null when the cache holds the cross-attention keys/values.
     *
     * @return (B, T, C) final-normed (and, for T5 v1.0, scaled) states
     */
    private NDArray decode(NDManager step, NDArray ids, NDArray encoded, NDArray sourceMask, KvCache cache, int past,
                           boolean training) {
        int t = (int) ids.getShape().get(1);
        NDArray bias = own(step, positionBias(step, decoderBias, t, past + t, past, false)
                .add(causalMask(step, t, past)));                                              // (1, H, T, S)
        NDArray x = own(step, shared.get(new NDIndex("{}", ids)));                             // (B, T, C)
        for (T5Block block : decoder) {
            x = block.forward(step, x, bias, encoded, sourceMask, cache, decoder.size() + block.index(), training);
        }
        NDArray out = decoderNorm.forward(step, x);                                            // (B, T, C)
        return outputScale == null ? out : own(step, out.mul(outputScale));
    }

    /** Rows' decoder states (B, D, C) placed at their presented positions: (B, L, C), zeros before the source end. */
    private NDArray present(NDManager step, NDArray decoded, Split split) {
        long b = decoded.getShape().get(0);
        long d = decoded.getShape().get(1);
        long c = decoded.getShape().get(2);
        NDArray zero = step.zeros(new Shape(b, 1, c), DataType.FLOAT32, decoded.getDevice());
        NDArray padded = own(step, NDArrays.concat(new NDList(decoded, zero), 1).reshape(b * (d + 1), c));
        long[] index = split.presentedIndex((int) d);                                          // (B·L)
        NDArray gathered = own(step, padded.get(new NDIndex("{}", onDevice(step, step.create(index)))));
        return own(step, gathered.reshape(b, index.length / b, c));                           // (B, L, C)
    }

    /**
     * transformers' {@code compute_bias}: the bias table looked up at each (query, key) bucket.
     *
     * @return (1, H, T, S)
     */
    private NDArray positionBias(NDManager step, NDArray table, int t, int s, int past, boolean bidirectional) {
        long[] buckets = new long[t * s];
        for (int i = 0; i < t; i++) {
            for (int j = 0; j < s; j++) {
                buckets[i * s + j] = RelativePosition.bucket(j - (past + i), bidirectional, t5.numBuckets(),
                        t5.maxDistance());
            }
        }
        NDArray index = onDevice(step, step.create(buckets, new Shape(t, s)));                // (T, S)
        NDArray values = own(step, table.get(new NDIndex("{}", index)));                       // (T, S, H)
        return own(step, values.transpose(2, 0, 1).expandDims(0));                             // (1, H, T, S)
    }

    /** (1, 1, T, S) additive causal mask for decoder positions {@code past ..}. */
    private NDArray causalMask(NDManager step, int t, int past) {
        int s = past + t;
        float[] mask = new float[t * s];
        for (int i = 0; i < t; i++) {
            for (int j = past + i + 1; j < s; j++) {
                mask[i * s + j] = CausalMask.MASKED;
            }
        }
        return onDevice(step, step.create(mask, new Shape(1, 1, t, s)));
    }

    /** (B, 1, 1, M) additive mask: 0 on each row's source tokens, masked on padding. */
    private NDArray sourceMask(NDManager step, Split split) {
        long[][] source = split.source();
        int m = source[0].length;
        float[] mask = new float[source.length * m];
        for (int b = 0; b < source.length; b++) {
            for (int j = 0; j < m; j++) {
                mask[b * m + j] = split.isSource(b, j) ? 0f : CausalMask.MASKED;
            }
        }
        return onDevice(step, step.create(mask, new Shape(source.length, 1, 1, m)));
    }

    private static long[][] rows(NDArray inputIds) {
        int b = (int) inputIds.getShape().get(0);
        int l = (int) inputIds.getShape().get(1);
        long[] flat = inputIds.toType(DataType.INT64, false).toLongArray();
        long[][] rows = new long[b][];
        for (int i = 0; i < b; i++) {
            rows[i] = Arrays.copyOfRange(flat, i * l, (i + 1) * l);
        }
        return rows;
    }

    private NDArray ids(NDManager step, long[][] rows) {
        int b = rows.length;
        int t = rows[0].length;
        long[] flat = new long[b * t];
        for (int i = 0; i < b; i++) {
            System.arraycopy(rows[i], 0, flat, i * t, t);
        }
        return onDevice(step, step.create(flat, new Shape(b, t)));
    }

    private NDArray onDevice(NDManager step, NDArray array) {
        return array.getDevice().equals(manager.getDevice()) ? array : own(step, array.toDevice(manager.getDevice(),
                false));
    }

    /**
     * How presented rows split into encoder and decoder inputs.
     *
     * @param source       (B, M) each row's tokens up to and including its first &lt;/s&gt; (after its left padding),
     *                     right-padded with pad; M the longest source end
     * @param sourceStart  per row, its left padding (the first source column)
     * @param sourceEnd    per row, m: one past its first &lt;/s&gt; (the row's length when it has none)
     * @param decoderInput (B, D) [decoder_start, tokens after the source ...], right-padded
     * @param length       L, the presented row length
     */
    record Split(long[][] source, int[] sourceStart, int[] sourceEnd, long[][] decoderInput, int length) {

        static Split of(long[][] rows, int[] leftPadding, int eos, int start, int pad) {
            int b = rows.length;
            int l = rows[0].length;
            int[] end = new int[b];
            int longest = 0;
            int shortest = l;
            for (int i = 0; i < b; i++) {
                end[i] = l;
                for (int j = leftPadding[i]; j < l; j++) {
                    if (rows[i][j] == eos) {
                        end[i] = j + 1;
                        break;
                    }
                }
                longest = Math.max(longest, end[i]);
                shortest = Math.min(shortest, end[i]);
            }
            long[][] source = new long[b][longest];
            long[][] decoderInput = new long[b][l - shortest + 1];
            for (int i = 0; i < b; i++) {
                Arrays.fill(source[i], pad);
                Arrays.fill(decoderInput[i], pad);
                System.arraycopy(rows[i], leftPadding[i], source[i], leftPadding[i], end[i] - leftPadding[i]);
                decoderInput[i][0] = start;
                System.arraycopy(rows[i], end[i], decoderInput[i], 1, l - end[i]);
            }
            return new Split(source, leftPadding.clone(), end, decoderInput, l);
        }

        boolean isSource(int row, int column) {
            return column >= sourceStart[row] && column < sourceEnd[row];
        }

        boolean sameTargetLength() {
            return Arrays.stream(sourceEnd).distinct().count() == 1;
        }

        String describe() {
            return Arrays.toString(Arrays.stream(sourceEnd).map(e -> length - e).toArray());
        }

        /**
         * For each presented position (row-major, B·L) the row into the flattened (B·(D+1), C) decoder states:
         * decoder state p − (m−1) at positions p ≥ m−1, the zero row D before.
         */
        long[] presentedIndex(int d) {
            long[] index = new long[sourceEnd.length * length];
            for (int b = 0; b < sourceEnd.length; b++) {
                for (int p = 0; p < length; p++) {
                    int j = p - (sourceEnd[b] - 1);
                    index[b * length + p] = (long) b * (d + 1) + (j >= 0 ? j : d);
                }
            }
            return index;
        }
    }

    /**
     * Fails when no training row ends its source with &lt;/s&gt; before its first trained label: the template then
     * writes no &lt;/s&gt; after the prompt (e.g. alpaca, default), and every label would sit in the source, which
     * predicts nothing.
     *
     * @param rows each row's token ids and labels ({@code ignoreIndex} where the loss does not count)
     */
    public void requireSourceEnds(List<int[][]> rows, int ignoreIndex, String template) {
        for (int[][] row : rows) {
            int[] ids = row[0];
            int[] labels = row[1];
            int firstLabel = 0;
            while (firstLabel < labels.length && labels[firstLabel] == ignoreIndex) {
                firstLabel++;
            }
            for (int p = 0; p < firstLabel; p++) {
                if (ids[p] == t5.eosTokenId()) {
                    return;
                }
            }
        }
        throw new ModelConfigException("template " + template + " writes no " + "</s> (id " + t5.eosTokenId()
                + ") after the prompt, where a T5 ends its source: use template auto (TuneForge's t5 layout, "
                + "source </s> target </s>)");
    }

    // ---------------------------------------------------------------- head, cache, parameters

    @Override
    public NDArray lmHeadWeight() {
        return lmHead;
    }

    @Override
    public NDArray logits(NDManager step, NDArray hidden) {
        return LinearKernel.project(step, hidden, lmHead);                                     // (..., V)
    }

    /** A cache of the decoder's self-attention (slots 0 .. N-1) and cross-attention (slots N .. 2N-1). */
    @Override
    public KvCache newCache() {
        return new KvCache(manager, 2 * decoder.size(), false);
    }

    @Override
    public ModelConfig config() {
        return config;
    }

    @Override
    public Optional<ModelConfig> modelConfig() {
        return Optional.of(config);
    }

    @Override
    public NDManager manager() {
        return manager;
    }

    @Override
    public Path directory() {
        return directory;
    }

    /** The options the model was loaded with. */
    public ModelOptions options() {
        return options;
    }

    @Override
    public List<NamedParameter> parameters() {
        return List.copyOf(trainable);
    }

    @Override
    public SequencedMap<String, NDArray> trainableParameters() {
        SequencedMap<String, NDArray> out = new LinkedHashMap<>();
        trainable.forEach(p -> out.put(p.name(), p.array()));
        return out;
    }

    /** Every weight by transformers' key, in checkpoint order ({@code lm_head.weight} only when untied). */
    public SequencedMap<String, NDArray> byName() {
        SequencedMap<String, NDArray> named = new LinkedHashMap<>();
        named.put(T5WeightNames.SHARED, shared);
        stackByName(named, T5WeightNames.ENCODER, encoder, encoderBias, encoderNorm);
        stackByName(named, T5WeightNames.DECODER, decoder, decoderBias, decoderNorm);
        if (untiedHead) {
            named.put(T5WeightNames.LM_HEAD, lmHead);
        }
        return named;
    }

    private void stackByName(SequencedMap<String, NDArray> named, String stack, List<T5Block> blocks, NDArray bias,
                             RmsNorm norm) {
        for (T5Block block : blocks) {
            for (Linear linear : block.self().linears()) {
                named.put(T5WeightNames.weight(linear.path()), linear.weight());
            }
            if (block.index() == 0) {
                named.put(T5WeightNames.relativeBias(stack), bias);
            }
            List<RmsNorm> norms = block.norms();
            named.put(T5WeightNames.layerNorm(stack, block.index(), 0), norms.get(0).weight());
            if (block.cross() != null) {
                for (Linear linear : block.cross().linears()) {
                    named.put(T5WeightNames.weight(linear.path()), linear.weight());
                }
                named.put(T5WeightNames.layerNorm(stack, block.index(), 1), norms.get(1).weight());
            }
            for (Linear linear : block.feedForward().linears()) {
                named.put(T5WeightNames.weight(linear.path()), linear.weight());
            }
            named.put(T5WeightNames.layerNorm(stack, block.index(), T5WeightNames.feedForwardLayer(stack)),
                    norms.getLast().weight());
        }
        named.put(T5WeightNames.finalNorm(stack), norm.weight());
    }

    /** Every linear of both stacks by module path, encoder first. */
    public SequencedMap<String, Linear> linears() {
        SequencedMap<String, Linear> out = new LinkedHashMap<>();
        for (T5Block block : encoder) {
            block.linears().forEach(l -> out.put(l.path(), l));
        }
        for (T5Block block : decoder) {
            block.linears().forEach(l -> out.put(l.path(), l));
        }
        return out;
    }

    // ---------------------------------------------------------------- LoRA

    /** T5's linear module names, in PEFT's module order within a block. */
    List<String> linearModules() {
        List<String> modules = new ArrayList<>(T5WeightNames.ATTENTION_PROJECTIONS);
        modules.addAll(T5WeightNames.feedForwardInputs(t5));
        modules.add("wo");
        return modules;
    }

    /** Attaches fresh LoRA adapters (A Kaiming-uniform from {@code seed}, B zero) to the configured linears. */
    public void addLora(LoraConfig requested, long seed) {
        LoraConfig loraConfig = forT5(requested);
        SplittableRandom random = new SplittableRandom(seed);
        for (Linear linear : loraTargets(loraConfig)) {
            linear.attachLora(LoraWeights.initialise(manager, linear.inFeatures(), linear.outFeatures(), loraConfig,
                    random.split()));
        }
        registerLora(loraConfig, true);
    }

    @Override
    public Optional<LoraConfig> loraConfig() {
        return lora;
    }

    @Override
    public List<Linear> loraTargets(LoraConfig requested) {
        LoraConfig loraConfig = forT5(requested);
        List<Linear> targets = linears().values().stream().filter(l -> loraConfig.targets(l.path())).toList();
        if (targets.isEmpty()) {
            throw new ModelConfigException("LoRA target " + String.join(",", loraConfig.targetModules())
                    + " matches none of this T5's linear modules (" + String.join(", ", linearModules()) + ")");
        }
        return targets;
    }

    /** "all" (LLaMA-Factory's Llama list) becomes T5's own list; a module T5 lacks fails naming T5's modules. */
    private LoraConfig forT5(LoraConfig requested) {
        if (requested.isPattern()) {
            return requested;
        }
        List<String> targets = requested.targetModules();
        if (Set.copyOf(targets).equals(Set.copyOf(LLAMA_ALL))) {
            return requested.withTargetModules(linearModules());
        }
        // as PEFT: a T5 module name the variant lacks (wi on a gated T5) matches nothing; other names are errors
        List<String> foreign = targets.stream()
                .filter(m -> !RecipeMethod.T5_LINEAR_MODULES.contains(LoraConfig.moduleName(m)))
                .toList();
        if (!foreign.isEmpty()) {
            throw new ModelConfigException("LoRA target module(s) " + foreign + " do not exist in a T5ForConditional"
                    + "Generation; its linear modules are " + String.join(", ", linearModules()));
        }
        return requested;
    }

    @Override
    public void attachLora(LoraConfig requested, Map<String, NDArray[]> weightsByModule, boolean trainable) {
        LoraConfig loraConfig = forT5(requested);
        if (loraConfig.useDora() || loraConfig.isPissa()) {
            throw new ModelConfigException("T5 adapters are plain LoRA (no DoRA, no PiSSA)");
        }
        for (Linear linear : loraTargets(loraConfig)) {
            NDArray[] ab = weightsByModule.get(linear.path());
            if (ab == null) {
                throw new ModelConfigException("adapter has no lora_A/lora_B for module '" + linear.path() + "'");
            }
            linear.attachLora(LoraWeights.of(ab[0], ab[1], loraConfig));
        }
        registerLora(loraConfig, trainable);
    }

    private void registerLora(LoraConfig loraConfig, boolean trainable) {
        if (!loraConfig.modulesToSave().isEmpty()) {
            throw new ModelConfigException("additional_target " + loraConfig.modulesToSave() + " is not supported "
                    + "for T5");
        }
        this.lora = Optional.of(loraConfig);
        this.trainable.clear();
        if (!trainable) {
            return;
        }
        for (Linear linear : loraTargets(loraConfig)) {
            LoraWeights w = linear.lora().orElseThrow();
            w.setTrainable(true);
            this.trainable.add(new NamedParameter(PeftAdapter.key(linear.path(), PeftAdapter.LORA_A), w.a()));
            this.trainable.add(new NamedParameter(PeftAdapter.key(linear.path(), PeftAdapter.LORA_B), w.b()));
        }
    }

    @Override
    public SequencedMap<String, NDArray> modulesToSave(LoraConfig loraConfig) {
        return new LinkedHashMap<>();
    }

    @Override
    public void preparePissaBase(LoraConfig config) {
        throw new ModelConfigException("PiSSA adapters are not supported for T5");
    }

    @Override
    public String peftTaskType() {
        return "SEQ_2_SEQ_LM";
    }

    /** Folds every LoRA adapter into its base weight (W + s·B·A); afterwards the model has no adapter. */
    public void merge() {
        linears().values().forEach(Linear::merge);
        lora = Optional.empty();
        trainable.clear();
    }

    // ---------------------------------------------------------------- saving

    /** A PEFT adapter (SEQ_2_SEQ_LM) for LoRA, else the whole model in transformers' layout. */
    @Override
    public void saveTrained(Path target) throws IOException {
        if (lora.isPresent()) {
            PeftAdapter.save(this, target);
        } else {
            Files.createDirectories(target);
            saveModel(target, SafetensorsDType.F32, SafetensorsWriter.DEFAULT_MAX_SHARD_BYTES);
        }
    }

    /** Every weight by transformers' key as sources for the streaming writer. */
    public List<TensorSource> namedWeights() {
        List<TensorSource> sources = new ArrayList<>();
        byName().forEach((name, array) -> sources.add(TensorSource.of(name, array)));
        return sources;
    }

    /** Writes the model (merge adapters first) as a transformers T5 directory; config and tokenizer copied. */
    public void saveModel(Path target, SafetensorsDType dtype, long maxShardBytes) throws IOException {
        if (lora.isPresent()) {
            throw new IllegalStateException("the model still has LoRA adapters: merge() before saving a full model");
        }
        HfCheckpoint.write(directory, target, namedWeights(), dtype, maxShardBytes);
    }

    @Override
    public void close() {
        manager.close();
    }

    // ---------------------------------------------------------------- loading

    /** The loaded weights, checked against {@link T5WeightNames#expected} before anything is read. */
    private record Weights(NDArray shared, NDArray lmHead, NDArray encoderBias, NDArray decoderBias,
                           List<T5Block> encoder, List<T5Block> decoder, RmsNorm encoderNorm, RmsNorm decoderNorm) {

        static Weights read(SafetensorsReader reader, T5Config t5, Path directory, NDManager manager) {
            boolean untied = reader.find(T5WeightNames.LM_HEAD).isPresent();
            Map<String, WeightSpec> expected = new LinkedHashMap<>();
            T5WeightNames.expected(t5, untied).forEach(s -> expected.put(s.name(), s));
            expected.values().forEach(spec -> check(reader, spec, directory));
            NDArray eps = manager.full(new Shape(), (float) t5.layerNormEps(), DataType.FLOAT32);
            GeluTanh gelu = t5.activation().equals("gelu_new") ? new GeluTanh(manager) : null;
            Function<String, NDArray> take = name -> {
                if (!expected.containsKey(name)) {
                    throw new IllegalStateException("weight not in the expected table: " + name);
                }
                return reader.load(manager, name, DataType.FLOAT32);
            };
            NDArray shared = take.apply(T5WeightNames.SHARED);                                // (V, C)
            List<T5Block> encoder = stack(T5WeightNames.ENCODER, t5.numLayers(), t5, take, eps, gelu);
            List<T5Block> decoder = stack(T5WeightNames.DECODER, t5.numDecoderLayers(), t5, take, eps, gelu);
            return new Weights(shared, untied ? take.apply(T5WeightNames.LM_HEAD) : shared,
                    take.apply(T5WeightNames.relativeBias(T5WeightNames.ENCODER)),
                    take.apply(T5WeightNames.relativeBias(T5WeightNames.DECODER)), encoder, decoder,
                    new RmsNorm(take.apply(T5WeightNames.finalNorm(T5WeightNames.ENCODER)), eps),
                    new RmsNorm(take.apply(T5WeightNames.finalNorm(T5WeightNames.DECODER)), eps));
        }

        private static void check(SafetensorsReader reader, WeightSpec spec, Path directory) {
            var info = reader.find(spec.name());
            if (info.isEmpty()) {
                throw new ModelConfigException(directory + ": tensor '" + spec.name() + "' is missing from the "
                        + "checkpoint; a T5ForConditionalGeneration with this config.json needs it with shape "
                        + spec.shapeText());
            }
            if (!Arrays.equals(info.get().shape(), spec.shape())) {
                throw new ModelConfigException(directory + ": tensor '" + spec.name() + "' has shape "
                        + info.get().shapeText() + " but config.json implies " + spec.shapeText());
            }
            if (!info.get().dtype().isFloatingPoint()) {
                throw new ModelConfigException(directory + ": tensor '" + spec.name() + "' is " + info.get().dtype()
                        + "; weights must be F32, F16 or BF16");
            }
        }

        private static List<T5Block> stack(String stack, int layers, T5Config t5,
                                           Function<String, NDArray> take, NDArray eps,
                                           GeluTanh gelu) {
            List<T5Block> blocks = new ArrayList<>();
            for (int i = 0; i < layers; i++) {
                T5Block.Attention self = attention(T5WeightNames.selfAttention(stack, i), t5, take);
                RmsNorm crossNorm = null;
                T5Block.Attention cross = null;
                if (stack.equals(T5WeightNames.DECODER)) {
                    cross = attention(T5WeightNames.crossAttention(i), t5, take);
                    crossNorm = new RmsNorm(take.apply(T5WeightNames.layerNorm(stack, i, 1)), eps);
                }
                String ff = T5WeightNames.feedForward(stack, i);
                T5Block.FeedForward feedForward = t5.gated()
                        ? new T5Block.FeedForward(linear(ff + ".wi_0", take), linear(ff + ".wi_1", take),
                                linear(ff + ".wo", take), gelu)
                        : new T5Block.FeedForward(linear(ff + ".wi", take), null, linear(ff + ".wo", take), gelu);
                blocks.add(new T5Block(i, new RmsNorm(take.apply(T5WeightNames.layerNorm(stack, i, 0)), eps), self,
                        crossNorm, cross,
                        new RmsNorm(take.apply(T5WeightNames.layerNorm(stack, i, T5WeightNames.feedForwardLayer(stack))),
                                eps), feedForward));
            }
            return blocks;
        }

        private static T5Block.Attention attention(String module, T5Config t5,
                                                   Function<String, NDArray> take) {
            return new T5Block.Attention(linear(module + ".q", take), linear(module + ".k", take),
                    linear(module + ".v", take), linear(module + ".o", take), t5.numHeads(), t5.dKv());
        }

        private static Linear linear(String module, Function<String, NDArray> take) {
            return new Linear(module, take.apply(T5WeightNames.weight(module)), null);         // (out, in)
        }
    }
}
