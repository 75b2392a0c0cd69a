package io.tuneforge.trainer.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.tuneforge.trainer.device.DeviceSpec;
import io.tuneforge.trainer.model.lora.LoraConfig;
import io.tuneforge.trainer.model.safetensors.SafetensorsDType;
import io.tuneforge.trainer.training.bench.RandomLlama;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.UnaryOperator;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A frozen base in bf16 holds its token embedding and LM head in bfloat16 too (DD041): the lookup and the LM-head
 * projection read the bf16 copy, with the results a float32 embedding widened from the same BF16 checkpoint and the
 * autocast head (cast per call) give, for tied and untied heads; the trainer's projection carries the gradient.
 */
class Bf16EmbeddingTest {

    private static final long[] PROMPT = {5, 17, 3, 250, 42, 99, 7, 128};

    @TempDir
    Path dir;

    /** A two-layer Qwen3-shaped model (q/k norms, head_dim) with random BF16 weights. */
    private Path qwen3(boolean tied) throws IOException {
        return qwen3(tied, SafetensorsDType.BF16);
    }

    private Path qwen3(boolean tied, SafetensorsDType dtype) throws IOException {
        ObjectNode c = JsonMapper.builder().build().createObjectNode();
        c.putArray("architectures").add("Qwen3ForCausalLM");
        c.put("model_type", "qwen3");
        c.put("vocab_size", 300);
        c.put("hidden_size", 64);
        c.put("intermediate_size", 128);
        c.put("num_hidden_layers", 2);
        c.put("num_attention_heads", 4);
        c.put("num_key_value_heads", 2);
        c.put("head_dim", 16);
        c.put("hidden_act", "silu");
        c.put("rms_norm_eps", 1e-6);
        c.put("rope_theta", 1000000.0);
        c.put("max_position_embeddings", 512);
        c.put("tie_word_embeddings", tied);
        c.put("bos_token_id", 1);
        c.put("eos_token_id", 2);
        return RandomLlama.write(dir.resolve((tied ? "tied-" : "untied-") + dtype), c, dtype, 11);
    }

    private static LlamaModel load(Path model, Precision precision, FineTuning fineTuning) throws IOException {
        return LlamaModel.load(model, new ModelOptions(DeviceSpec.CPU, DataType.FLOAT32, fineTuning, 1, precision,
                AttentionKernel.forFlashAttn("auto", precision)));
    }

    /** Logits (T·V) of the prompt: the full forward (lookup, blocks, head). */
    private static float[] logits(LlamaModel model) {
        try (NDManager step = model.manager().newSubManager()) {
            NDArray ids = step.create(PROMPT, new Shape(1, PROMPT.length));                    // (1, T)
            NDArray hidden = model.hiddenStates(step, ids, false);                              // (1, T, C)
            return model.logits(step, hidden).toFloatArray();                                   // (1, T, V)
        }
    }

    @Test
    void aFrozenBf16BaseHoldsItsTiedEmbeddingInBf16WithTheLogitsOfTheWidenedFloat32Embedding() throws IOException {
        Path model = qwen3(true);
        try (LlamaModel held = load(model, Precision.BF16, FineTuning.none());
             LlamaModel widened = load(model, Precision.BF16, FineTuning.none())) {
            widened.lmHeadWeight();                      // asks for the float32 head: embedding and head widened
            assertThat(held.embeddingHeldInBf16()).isTrue();
            assertThat(widened.embeddingHeldInBf16()).isFalse();
            // a BF16 checkpoint: widening is exact and the autocast head casts back exactly, so equal bit for bit
            assertThat(logits(held)).containsExactly(logits(widened));
        }
    }

    @Test
    void anUntiedHeadIsHeldInBf16ApartFromTheEmbedding() throws IOException {
        Path model = qwen3(false);
        try (LlamaModel held = load(model, Precision.BF16, FineTuning.none());
             LlamaModel widened = load(model, Precision.BF16, FineTuning.none());
             LlamaModel fp32 = load(model, Precision.FP32, FineTuning.none())) {
            widened.lmHeadWeight();
            assertThat(held.embeddingHeldInBf16()).isTrue();
            float[] heldLogits = logits(held);
            assertThat(heldLogits).containsExactly(logits(widened));
            float[] reference = logits(fp32);
            double maxAbs = 0;
            double maxDiff = 0;
            for (int i = 0; i < reference.length; i++) {
                maxAbs = Math.max(maxAbs, Math.abs(reference[i]));
                maxDiff = Math.max(maxDiff, Math.abs(reference[i] - heldLogits[i]));
            }
            assertThat(maxDiff).as("bf16 against fp32, logits up to %.3f", maxAbs).isLessThan(0.03 * maxAbs);
            assertThat(fp32.lmHeadWeight().getDataType()).isEqualTo(DataType.FLOAT32);
        }
    }

    @Test
    void theTrainersProjectionFromTheBf16HeadCarriesTheGradientOfTheWidenedHead() throws IOException {
        Path model = qwen3(true);
        FineTuning lora = new FineTuning.Lora(new LoraConfig(4, 8, 0.0, LoraConfig.parseTargets("all"), false));
        try (LlamaModel held = load(model, Precision.BF16, lora);
             LlamaModel widened = load(model, Precision.BF16, lora)) {
            widened.lmHeadWeight();
            assertThat(held.embeddingHeldInBf16()).isTrue();
            assertThat(held.lossType()).isEqualTo(DataType.FLOAT32);
            assertThat(held.embeddingHeldInBf16()).as("lossType does not widen").isTrue();
            float[][] a = projectionAndGradient(held);
            float[][] b = projectionAndGradient(widened);
            assertThat(a[0]).containsExactly(b[0]);
            assertThat(a[1]).containsExactly(b[1]);
            assertThat(a[1]).as("the gradient reaches the rows").isNotEqualTo(new float[a[1].length]);
        }
    }

    /** [logits of 3 fixed rows, gradient of their sum with respect to the rows]. */
    private static float[][] projectionAndGradient(LlamaModel model) {
        try (NDManager step = model.manager().newSubManager();
             GradientCollector collector = ai.djl.engine.Engine.getInstance().newGradientCollector()) {
            NDArray rows = step.randomNormal(new Shape(3, 64)).mul(0).add(                       // (3, C) fixed
                    step.arange(192f).reshape(3, 64).mul(0.01f).sin());
            rows.setRequiresGradient(true);
            UnaryOperator<NDArray> project = model.vocabularyProjection(step);
            NDArray logits = project.apply(rows);                                                // (3, V)
            collector.backward(logits.sum());
            return new float[][] {logits.toFloatArray(), rows.getGradient().toFloatArray()};
        }
    }

    @Test
    void loraTrainingTheEmbeddingWholeKeepsItFloat32() throws IOException {
        Path model = qwen3(false);
        LoraConfig withHead = new LoraConfig(4, 8, 0.0, LoraConfig.parseTargets("all"), false, false,
                LoraConfig.DEFAULT_INIT, List.of("lm_head"));
        try (LlamaModel trained = load(model, Precision.BF16, new FineTuning.Lora(withHead))) {
            assertThat(trained.embeddingHeldInBf16()).isFalse();
            assertThat(trained.trainableParameters()).containsKey("base_model.model.lm_head.weight");
        }
    }

    @Test
    void anF32CheckpointKeepsItsFloat32EmbeddingInBf16() throws IOException {
        try (LlamaModel bf16 = load(qwen3(true, SafetensorsDType.F32), Precision.BF16, FineTuning.none())) {
            assertThat(bf16.embeddingHeldInBf16()).as("rounding would change its values").isFalse();
            assertThat(bf16.linears().values()).allMatch(Linear::heldInBf16);
        }
    }

    @Test
    void float32AndTrainedBasesKeepAFloat32Embedding() throws IOException {
        Path model = qwen3(true);
        try (LlamaModel fp32 = load(model, Precision.FP32, FineTuning.none());
             LlamaModel full = load(model, Precision.BF16, new FineTuning.Full())) {
            assertThat(fp32.embeddingHeldInBf16()).isFalse();
            assertThat(full.embeddingHeldInBf16()).isFalse();
        }
    }
}
