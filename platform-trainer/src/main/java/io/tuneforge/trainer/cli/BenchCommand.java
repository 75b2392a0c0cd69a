package io.tuneforge.trainer.cli;

import io.tuneforge.trainer.model.AttentionKernel;
import io.tuneforge.trainer.model.ModelConfigException;
import io.tuneforge.trainer.model.Precision;
import io.tuneforge.trainer.model.Quantization;
import io.tuneforge.trainer.training.bench.BenchPreset;
import io.tuneforge.trainer.training.bench.BenchReport;
import io.tuneforge.trainer.training.bench.LlamaShape;
import io.tuneforge.trainer.training.bench.TrainingBench;

import java.util.Optional;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bench}: LoRA training steps on a randomly initialised Llama ({@code LlamaModel}) of realistic shape; prints tokens/s, step
 * time, peak RSS and model-FLOP utilisation against the best matrix multiply of the same precision measured in the same
 * run; {@code --preset} trains a real model's shape, {@code --gradient-checkpointing} recomputes blocks in backward.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Benchmark LoRA training on a random Llama: tokens/s, step time, peak RSS, MFU.")
public final class BenchCommand implements Callable<Integer> {

    @Option(names = "--hidden", defaultValue = "512", description = "Hidden size (default: ${DEFAULT-VALUE}).")
    int hidden;

    @Option(names = "--layers", defaultValue = "8", description = "Decoder layers (default: ${DEFAULT-VALUE}).")
    int layers;

    @Option(names = "--heads", defaultValue = "8", description = "Attention heads (default: ${DEFAULT-VALUE}).")
    int heads;

    @Option(names = "--kv-heads", description = "Key/value heads (default: same as --heads).")
    Integer kvHeads;

    @Option(names = "--intermediate", defaultValue = "1376", description = "MLP size (default: ${DEFAULT-VALUE}).")
    int intermediate;

    @Option(names = "--vocab", defaultValue = "32000", description = "Vocabulary size (default: ${DEFAULT-VALUE}).")
    int vocab;

    @Option(names = "--seq", defaultValue = "256", description = "Tokens per sample (default: ${DEFAULT-VALUE}).")
    int sequence;

    @Option(names = "--batch", defaultValue = "4", description = "Samples per step (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--lora-rank", defaultValue = "8", description = "LoRA rank on q_proj and v_proj (default: ${DEFAULT-VALUE}).")
    int loraRank;

    @Option(names = "--steps", defaultValue = "12", description = "Timed training steps (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--warmup", defaultValue = "3", description = "Untimed steps first (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--loss-chunk", defaultValue = "256",
            description = "Rows per LM-head chunk in the loss (default: ${DEFAULT-VALUE}, the trainer's).")
    int lossChunk;

    @Option(names = "--precision", defaultValue = "fp32",
            description = "fp32 or bf16 (linears and attention in bfloat16, frozen base held in it; default: ${DEFAULT-VALUE}).")
    String precision;

    @Option(names = "--attention", defaultValue = "auto",
            description = "auto (SDPA in bf16, manual in fp32), sdpa or disabled (default: ${DEFAULT-VALUE}).")
    String attention;

    @Option(names = "--quantization-bit",
            description = "4 or 8: quantize the frozen base on the fly (QLoRA; 4-bit blocks of 64 with double "
                    + "quantization, 8-bit per-row absmax; default: not quantized).")
    Integer quantizationBit;

    @Option(names = "--quantization-type", defaultValue = "nf4",
            description = "4-bit data type, nf4 or fp4 (default: ${DEFAULT-VALUE}).")
    String quantizationType;

    @Option(names = "--gradient-checkpointing",
            description = "Recompute each decoder block in backward instead of keeping its activations.")
    boolean gradientCheckpointing;

    @Option(names = "--preset", description = "A real model's shape with random weights (written as bf16): "
            + "qwen3-0.6b, llama-3.2-1b or qwen2.5-1.5b; replaces --hidden, --layers, --heads, --kv-heads, "
            + "--intermediate and --vocab.")
    String preset;

    @Option(names = "--json", description = "Print the report as JSON.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if (hidden % heads != 0) {
            System.err.println("--hidden (" + hidden + ") must be a multiple of --heads (" + heads + ")");
            return 2;
        }
        int kv = kvHeads == null ? heads : kvHeads;
        if (heads % kv != 0) {
            System.err.println("--heads (" + heads + ") must be a multiple of --kv-heads (" + kv + ")");
            return 2;
        }
        Optional<BenchPreset> model;
        try {
            model = Optional.ofNullable(preset).map(BenchPreset::parse);
        } catch (IllegalArgumentException e) {
            System.err.println("--preset: " + e.getMessage());
            return 2;
        }
        LlamaShape shape = model.map(m -> m.shape(sequence, batch, loraRank)).orElse(
                new LlamaShape(hidden, layers, heads, kv, intermediate, vocab, sequence, batch, loraRank, 2));
        if (lossChunk < 1) {
            System.err.println("--loss-chunk (" + lossChunk + ") must be >= 1");
            return 2;
        }
        Precision p;
        AttentionKernel a;
        Quantization q;
        try {
            p = Precision.parse(precision);
            a = AttentionKernel.forFlashAttn(attention, p);
            q = quantizationBit == null ? Quantization.NONE
                    : new Quantization(quantizationBit, Quantization.Type.parse(quantizationType), true);
        } catch (ModelConfigException e) {
            System.err.println(e.getMessage());
            return 2;
        }
        BenchReport report = TrainingBench.run(new TrainingBench.Setup(shape, model, p, a, gradientCheckpointing, q),
                warmup, steps, lossChunk, System.err);
        System.out.println(json ? report.toJson() : report.toText());
        return 0;
    }
}
