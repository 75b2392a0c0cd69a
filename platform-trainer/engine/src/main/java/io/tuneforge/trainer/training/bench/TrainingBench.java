package io.tuneforge.trainer.training.bench;

import io.tuneforge.shared.files.FileTrees;
import io.tuneforge.trainer.data.TokenizedSample;
import io.tuneforge.trainer.model.AttentionKernel;
import io.tuneforge.trainer.model.FineTuning;
import io.tuneforge.trainer.model.LlamaModel;
import io.tuneforge.trainer.model.LinearKernel;
import io.tuneforge.trainer.model.MatmulPeak;
import io.tuneforge.trainer.model.ModelOptions;
import io.tuneforge.trainer.model.Precision;
import io.tuneforge.trainer.model.Quantization;
import io.tuneforge.trainer.model.lora.LoraConfig;
import io.tuneforge.trainer.model.safetensors.SafetensorsDType;
import io.tuneforge.trainer.training.CausalLmLoss;
import io.tuneforge.trainer.training.Trainer;
import io.tuneforge.trainer.training.TrainingConfig;
import io.tuneforge.trainer.training.TrainingListener;
import io.tuneforge.trainer.training.TrainingLog;
import io.tuneforge.trainer.training.optim.SchedulerType;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Random;

/**
 * Runs the real {@link Trainer} (chunked loss, clipping, AdamW, per-step manager) on the real {@link LlamaModel}
 * with LoRA on q_proj and v_proj, loaded from a random model directory of the given shape, for warm-up plus timed
 * steps on random tokens (every sample full length, every position a target). The matrix-multiply peak is the best
 * of a measurement before and one after the training steps.
 */
public final class TrainingBench {

    private TrainingBench() {
    }

    /**
     * @param lossChunkTokens rows per LM-head chunk in the loss (training uses
     *                        {@link CausalLmLoss#DEFAULT_CHUNK_TOKENS})
     */
    public static BenchReport run(LlamaShape shape, int warmupSteps, int timedSteps, int lossChunkTokens,
                                  PrintStream progress) throws IOException {
        return run(shape, warmupSteps, timedSteps, lossChunkTokens, Precision.FP32, AttentionKernel.MANUAL, progress);
    }

    /**
     * As {@link #run(LlamaShape, int, int, int, PrintStream)}, the model computing in {@code precision} with
     * {@code attention}.
     */
    public static BenchReport run(LlamaShape shape, int warmupSteps, int timedSteps, int lossChunkTokens,
                                  Precision precision, AttentionKernel attention, PrintStream progress)
            throws IOException {
        return run(new Setup(shape, Optional.empty(), precision, attention, false, Quantization.NONE), warmupSteps,
                timedSteps, lossChunkTokens, progress);
    }

    /**
     * What one bench run trains.
     *
     * @param shape                 batch, sequence and LoRA rank (and the model's shape without a preset)
     * @param preset                a real model's shape (random weights) instead of {@code shape}'s model
     * @param precision             fp32 or bf16
     * @param attention             the attention kernel
     * @param gradientCheckpointing recompute each decoder block in backward
     * @param quantization          the frozen base quantized on the fly (QLoRA), or {@link Quantization#NONE}; the
     *                              report then gives the bytes the quantized decoder linears take against bf16
     */
    public record Setup(LlamaShape shape, Optional<BenchPreset> preset, Precision precision,
                        AttentionKernel attention, boolean gradientCheckpointing, Quantization quantization) {

        /** Model FLOPs of one step (recomputation not counted, as MFU is defined). */
        double stepFlops() {
            return preset.map(p -> p.loraStepFlops(shape.sequence(), shape.batch())).orElse(shape.loraStepFlops());
        }

        String describe() {
            return preset.map(p -> p.key() + " shape, ").orElse("") + precision.key() + ", "
                    + attention.name().toLowerCase(Locale.ROOT) + " attention"
                    + (gradientCheckpointing ? ", gradient checkpointing" : "");
        }
    }

    /**
     * Trains {@code setup} for warm-up plus timed steps. The peak RSS is reset (where Linux allows) after the random
     * model was written, so it covers loading and training only; MFU is against the best matrix multiply of the
     * run's precision.
     */
    public static BenchReport run(Setup setup, int warmupSteps, int timedSteps, int lossChunkTokens,
                                  PrintStream progress) throws IOException {
        LlamaShape shape = setup.shape();
        boolean bf16 = setup.precision() == Precision.BF16;
        progress.println("measuring matrix-multiply peak...");
        MatmulPeak peakBefore = LinearKernel.measurePeak(1024, 10);
        double bf16Before = bf16 ? LinearKernel.measureBf16Peak(2048, 5) : 0;
        Path work = Files.createTempDirectory("tuneforge-bench-");
        try {
            Path modelDir;
            if (setup.preset().isPresent()) {
                progress.println("writing a random " + setup.preset().get().key() + " (bf16)...");
                modelDir = RandomLlama.write(work.resolve("model"), setup.preset().get().config("bfloat16"),
                        SafetensorsDType.BF16, 42);
            } else {
                progress.println("writing a random model of " + shape + "...");
                modelDir = RandomLlama.write(work.resolve("model"), shape, 42);
            }
            System.gc();                          // give back the heap that writing the random model grew
            ProcessMemory.resetPeak();
            long rssBefore = ProcessMemory.residentBytes();
            List<Double> stepSeconds = new ArrayList<>();
            List<Long> rssAfterStep = new ArrayList<>();
            int total = warmupSteps + timedSteps;
            LoraConfig lora = new LoraConfig(shape.loraRank(), 2.0 * shape.loraRank(), 0.0,
                    List.of("q_proj", "v_proj"), false);
            String frozen = "";
            try (LlamaModel model = LlamaModel.load(modelDir,
                    ModelOptions.training(new FineTuning.Lora(lora), 42, setup.precision(), setup.attention())
                            .withQuantization(setup.quantization()))) {
                frozen = model.quantizedBase().map(b -> String.format(Locale.ROOT,
                        ", %s base: decoder linears %.1f MiB = %.3fx their bf16 size (%.1f MiB)",
                        setup.quantization().describe(), b.bytes() / 1048576.0, b.ofBf16(),
                        2.0 * b.parameters() / 1048576.0)).orElse("");
                progress.println(frozen.isEmpty() ? "base not quantized" : frozen.substring(2));
                TrainingConfig config = TrainingConfig.builder(work.resolve("out")).learningRate(1e-4).maxSteps(total)
                        .perDeviceTrainBatchSize(shape.batch()).gradientAccumulationSteps(1)
                        .lrSchedulerType(SchedulerType.CONSTANT).loggingSteps(1).saveSteps(0).evalSteps(0)
                        .lossChunkTokens(lossChunkTokens).gradientCheckpointing(setup.gradientCheckpointing()).build();
                long[] last = {System.nanoTime()};
                progress.printf("training %d steps (%d warm-up)%n", total, warmupSteps);
                new Trainer(config, model, randomSamples(shape, shape.batch() * total), List.of()).train(
                        new TrainingListener() {
                            @Override
                            public void onLog(TrainingLog log) {
                                long now = System.nanoTime();
                                double seconds = (now - last[0]) / 1e9;
                                last[0] = now;
                                long rss = ProcessMemory.residentBytes();
                                progress.printf("step %d  %.3f s  loss %.4f  RSS %d MiB%n", log.step(), seconds,
                                        log.loss(), rss >> 20);
                                if (log.step() > warmupSteps) {
                                    stepSeconds.add(seconds);
                                    rssAfterStep.add(rss);
                                }
                            }
                        }, () -> false);
            }
            long peakRss = ProcessMemory.peakResidentBytes();
            progress.println("measuring matrix-multiply peak again...");
            MatmulPeak peak = peakBefore.max(LinearKernel.measurePeak(1024, 10));
            double bf16Peak = bf16 ? Math.max(bf16Before, LinearKernel.measureBf16Peak(2048, 5)) : 0;
            return BenchReport.of(shape, setup.stepFlops(), peak, bf16Peak, stepSeconds, rssBefore, rssAfterStep,
                    peakRss, setup.describe() + frozen);
        } finally {
            FileTrees.delete(work);
        }
    }

    private static List<TokenizedSample> randomSamples(LlamaShape shape, int count) {
        Random random = new Random(1234);
        List<TokenizedSample> samples = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int[] ids = random.ints(shape.sequence(), 3, shape.vocab()).toArray();
            samples.add(new TokenizedSample(ids, ids.clone()));
        }
        return samples;
    }
}
