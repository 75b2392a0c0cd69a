package io.tuneforge.trainer.training.reward;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.tuneforge.trainer.data.TokenizedSample;
import io.tuneforge.trainer.model.LlamaModel;
import io.tuneforge.trainer.model.TrainableModel;
import io.tuneforge.trainer.model.safetensors.SafetensorsDType;
import io.tuneforge.trainer.model.safetensors.SafetensorsReader;
import io.tuneforge.trainer.model.safetensors.SafetensorsWriter;
import io.tuneforge.trainer.training.Batch;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.SequencedMap;
import java.util.SplittableRandom;

/**
 * A reward model (stage rm): the causal LM's final hidden state at a sequence's last token, through a scalar value
 * head {@code r = h·wᵀ + b} (TRL's {@code AutoModelForCausalLMWithValueHead}: {@code v_head.summary}, a
 * {@code Linear(hidden, 1)}). The LM head is unused. Trained: the base's trainable parameters (LoRA adapters, or the
 * weights for full/freeze) plus the head. Saved as the base's result (a PEFT adapter for LoRA) plus
 * {@code value_head.safetensors} holding {@code v_head.summary.weight} (1, hidden) and {@code v_head.summary.bias}
 * (1), the file and key names LLaMA-Factory and TRL write and read.
 */
public final class RewardModel implements TrainableModel {

    /** The value head's file in a saved reward model. */
    public static final String VALUE_HEAD_FILE = "value_head.safetensors";
    /** TRL's key of the head's weight (1, hidden). */
    public static final String WEIGHT = "v_head.summary.weight";
    /** TRL's key of the head's bias (1). */
    public static final String BIAS = "v_head.summary.bias";

    private final LlamaModel base;
    private final NDArray weight;   // (1, C)
    private final NDArray bias;     // (1)

    private RewardModel(LlamaModel base, NDArray weight, NDArray bias) {
        this.base = base;
        this.weight = weight;
        this.bias = bias;
    }

    /**
     * A fresh head on {@code base}, initialised as PyTorch's {@code nn.Linear}: weight and bias uniform in
     * {@code ±1/√hidden}, from {@code seed}; trainable.
     */
    public static RewardModel withNewHead(LlamaModel base, long seed) {
        int hidden = base.config().hiddenSize();
        double bound = 1 / Math.sqrt(hidden);
        SplittableRandom random = new SplittableRandom(seed);
        float[] w = new float[hidden];
        for (int i = 0; i < hidden; i++) {
            w[i] = (float) ((random.nextDouble() * 2 - 1) * bound);
        }
        float b = (float) ((random.nextDouble() * 2 - 1) * bound);
        NDManager manager = base.manager();
        NDArray weight = manager.create(w, new Shape(1, hidden));
        NDArray bias = manager.create(new float[] {b}, new Shape(1));
        weight.setRequiresGradient(true);
        bias.setRequiresGradient(true);
        return new RewardModel(base, weight, bias);
    }

    /** The head saved in {@code directory}/{@value #VALUE_HEAD_FILE}, on {@code base}; frozen. */
    public static RewardModel withSavedHead(LlamaModel base, Path directory) throws IOException {
        Path file = directory.resolve(VALUE_HEAD_FILE);
        if (!Files.isRegularFile(file)) {
            throw new IOException(directory + " has no " + VALUE_HEAD_FILE + ": it is not a reward model (stage rm)");
        }
        try (SafetensorsReader reader = SafetensorsReader.open(file)) {
            NDArray weight = reader.load(base.manager(), WEIGHT, DataType.FLOAT32);
            NDArray bias = reader.load(base.manager(), BIAS, DataType.FLOAT32);
            if (weight.getShape().dimension() != 2 || weight.getShape().get(0) != 1
                    || weight.getShape().get(1) != base.config().hiddenSize()) {
                throw new IOException(file + ": " + WEIGHT + " has shape " + weight.getShape() + ", expected (1, "
                        + base.config().hiddenSize() + ")");
            }
            return new RewardModel(base, weight, bias.reshape(1));
        }
    }

    /** The underlying causal LM. */
    public LlamaModel base() {
        return base;
    }

    /**
     * The reward of each row: the head applied to the hidden state of the row's last counted token (the end of the
     * answer; padding and the prompt do not count).
     *
     * @param step     manager receiving every intermediate
     * @param rows     the rows, right-padded
     * @param training dropout on, gradient recorded by the caller's collector
     * @return (R,) rewards
     */
    public NDArray rewards(NDManager step, Batch rows, boolean training) {
        NDArray hidden = base.hiddenStates(step, rows.inputIdsArray(step), training);            // (R, T, C)
        long channels = hidden.getShape().get(2);
        NDArray flat = own(step, hidden.reshape(-1, channels));                                 // (R*T, C)
        NDArray last = own(step, flat.get(new NDIndex("{}", step.create(lastTokens(rows)))));  // (R, C)
        NDArray scores = own(step, own(step, last.matMul(own(step, weight.transpose()))).add(bias)); // (R, 1)
        return own(step, scores.reshape(rows.batchSize()));                                     // (R,)
    }

    /**
     * The head applied to given hidden states: a value per state (PPO's critic reads every response position).
     *
     * @param states (N, C) hidden states
     * @return (N,) values
     */
    public NDArray head(NDManager step, NDArray states) {
        NDArray scores = own(step, own(step, states.matMul(own(step, weight.transpose()))).add(bias)); // (N, 1)
        return own(step, scores.reshape(states.getShape().get(0)));                              // (N,)
    }

    /** Flat index {@code b·T + t} of each row's last counted label. */
    static long[] lastTokens(Batch rows) {
        long[] out = new long[rows.batchSize()];
        for (int b = 0; b < rows.batchSize(); b++) {
            int t = rows.sequenceLength() - 1;
            while (t > 0 && rows.labels()[b][t] == TokenizedSample.IGNORE_INDEX) {
                t--;
            }
            out[b] = (long) b * rows.sequenceLength() + t;
        }
        return out;
    }

    @Override
    public NDArray hiddenStates(NDManager step, NDArray inputIds, boolean training) {
        return base.hiddenStates(step, inputIds, training);
    }

    @Override
    public void gradientCheckpointing(boolean on) {
        base.gradientCheckpointing(on);
    }

    @Override
    public void backward(GradientCollector collector, NDArray loss) {
        base.backward(collector, loss);
    }

    @Override
    public NDArray lmHeadWeight() {
        return base.lmHeadWeight();
    }

    @Override
    public ai.djl.ndarray.types.DataType lossType() {
        return base.lossType();
    }

    @Override
    public java.util.Optional<io.tuneforge.trainer.model.ModelConfig> modelConfig() {
        return java.util.Optional.of(base.config());
    }

    @Override
    public SequencedMap<String, NDArray> trainableParameters() {
        SequencedMap<String, NDArray> out = new LinkedHashMap<>(base.trainableParameters());
        out.put(WEIGHT, weight);
        out.put(BIAS, bias);
        return out;
    }

    /** The base's result (PEFT adapter for LoRA) and {@value #VALUE_HEAD_FILE}, written atomically. */
    @Override
    public void saveTrained(Path directory) throws IOException {
        base.saveTrained(directory);
        Path temp = directory.resolve(VALUE_HEAD_FILE + ".tmp");
        SequencedMap<String, NDArray> head = new LinkedHashMap<>();
        head.put(WEIGHT, weight);
        head.put(BIAS, bias);
        SafetensorsWriter.writeFile(temp, head, SafetensorsDType.F32);
        Files.move(temp, directory.resolve(VALUE_HEAD_FILE), StandardCopyOption.REPLACE_EXISTING,
                StandardCopyOption.ATOMIC_MOVE);
    }

    private static NDArray own(NDManager step, NDArray array) {
        array.attach(step);
        return array;
    }
}
