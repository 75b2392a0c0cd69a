package io.tuneforge.core.job;

import java.util.List;
import java.util.Locale;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * Estimates a job's memory per device and its duration before it is queued, from the model's dimensions and the
 * training configuration (LLaMA-Factory keys). Training runs in float32 (DJL cannot compute in bf16), so every
 * tensor counts 4 bytes.
 *
 * <p>Activations follow Korthikanti et al. 2022 ("Reducing Activation Recomputation in Large Transformer Models"):
 * per layer {@code s·b·h·(34 + 5·a·s/h)} bytes in 16-bit, doubled for float32, plus the LM head's logits for the
 * trainer's 256-token chunks. Duration assumes {@code 6·N·tokens} FLOPs for full training and {@code 4·N·tokens} for
 * LoRA/freeze (no weight gradients of frozen matrices), at a throughput measured on the reference CPU (2.6e11 FLOP/s
 * on 2 cores) or a conservative 5e13 FLOP/s for a CUDA device. It is an estimate: it refuses jobs that cannot fit,
 * and gives a time scale, not a promise.
 */
public final class PreflightEstimator {

    private static final long FLOAT_BYTES = 4;
    /** Effective training throughput on the reference CPU (docs/benchmarks.md: ~1,570 tokens/s on a 42M model). */
    static final double CPU_FLOPS = 2.6e11;
    /** Conservative effective throughput of one CUDA device. */
    static final double CUDA_FLOPS = 5e13;
    /** Tokens per chunk of the trainer's chunked LM head + cross-entropy. */
    private static final long LOSS_CHUNK_TOKENS = 256;
    /** CUDA context and libtorch runtime. */
    private static final long RUNTIME_BYTES = 512L << 20;
    private static final List<String> ALL_LINEARS =
            List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj");

    private PreflightEstimator() {
    }

    /**
     * Estimates one job.
     *
     * @param model      the base model's dimensions
     * @param method     LoRA, full or freeze
     * @param config     the training configuration (per_device_train_batch_size, cutoff_len, lora_rank,
     *                   lora_target, num_train_epochs, freeze_trainable_layers)
     * @param rowCount   rows in the training dataset
     * @param onCuda     true to time it for a CUDA device, false for the CPU
     */
    public static ResourceEstimate estimate(ModelDimensions model, FineTuningMethod method, JsonNode config,
            long rowCount, boolean onCuda) {
        long batch = Math.max(1, config.path("per_device_train_batch_size").asLong(1));
        long cutoff = Math.max(1, config.path("cutoff_len").asLong(1024));
        double epochs = Math.max(0.0, config.path("num_train_epochs").asDouble(3.0));
        long parameters = model.parameters();

        long trainable = switch (method) {
            case LORA -> loraParameters(model, config);
            case FULL -> parameters;
            case FREEZE -> Math.max(1, config.path("freeze_trainable_layers").asInt(2)) * model.parametersPerLayer();
        };
        long weights = parameters * FLOAT_BYTES + (method == FineTuningMethod.LORA ? trainable * FLOAT_BYTES : 0);
        long gradients = trainable * FLOAT_BYTES;
        long optimizer = 2 * trainable * FLOAT_BYTES;
        long activations = activationBytes(model, batch, cutoff);
        long subtotal = weights + gradients + optimizer + activations;
        long overhead = subtotal / 10 + (onCuda ? RUNTIME_BYTES : 0);

        long tokens = (long) (rowCount * cutoff * epochs);
        double flopsPerToken = (method == FineTuningMethod.FULL ? 6.0 : 4.0) * parameters;
        long seconds = (long) Math.ceil(tokens * flopsPerToken / (onCuda ? CUDA_FLOPS : CPU_FLOPS));
        return new ResourceEstimate(weights, trainable, gradients, optimizer, activations, overhead,
                subtotal + overhead, tokens, seconds);
    }

    /** LoRA matrices A (r × in) and B (out × r) on every targeted linear of every layer. */
    static long loraParameters(ModelDimensions m, JsonNode config) {
        long r = Math.max(1, config.path("lora_rank").asLong(8));
        long h = m.hiddenSize();
        long kv = m.keyValueWidth();
        long perLayer = 0;
        for (String target : targets(config)) {
            perLayer += switch (target) {
                case "q_proj", "o_proj" -> r * (h + h);
                case "k_proj", "v_proj" -> r * (h + kv);
                case "gate_proj", "up_proj", "down_proj" -> r * (h + m.intermediateSize());
                default -> 0;
            };
        }
        return perLayer * m.layers();
    }

    private static Set<String> targets(JsonNode config) {
        String spec = config.path("lora_target").asString("all").toLowerCase(Locale.ROOT).strip();
        if (spec.equals("all")) {
            return Set.copyOf(ALL_LINEARS);
        }
        return Set.of(spec.split("\\s*,\\s*"));
    }

    private static long activationBytes(ModelDimensions m, long batch, long cutoff) {
        double perLayer16 = cutoff * batch * m.hiddenSize()
                * (34.0 + 5.0 * m.attentionHeads() * cutoff / m.hiddenSize());
        long layers = (long) (perLayer16 * 2 * m.layers()); // float32: twice the 16-bit figure
        long logits = batch * Math.min(cutoff, LOSS_CHUNK_TOKENS) * m.vocabSize() * FLOAT_BYTES * 3; // logits, softmax, grad
        long embeddings = batch * cutoff * m.hiddenSize() * FLOAT_BYTES * 2;
        return layers + logits + embeddings;
    }
}
