package io.tuneforge.trainer.training;

import io.tuneforge.trainer.training.optim.AdamWConfig;
import io.tuneforge.trainer.training.optim.OptimizerMethod;
import io.tuneforge.trainer.training.optim.OptimizerType;
import io.tuneforge.trainer.training.optim.ParameterGroups;
import io.tuneforge.trainer.training.optim.SchedulerOptions;
import io.tuneforge.trainer.training.optim.SchedulerType;

import java.nio.file.Path;
import java.util.OptionalDouble;

/**
 * Hyper-parameters of one training run. Names follow Hugging Face / LLaMA-Factory ({@code learning_rate},
 * {@code num_train_epochs}, ...); defaults (see {@link #builder(Path)}) are LLaMA-Factory's web UI defaults.
 *
 * @param outputDir                 where checkpoints ({@code checkpoint-<step>/}) and the final trained artefact go
 * @param learningRate              peak learning rate ({@code learning_rate}, 5e-5)
 * @param numTrainEpochs            passes over the training set ({@code num_train_epochs}, 3.0; fractions allowed)
 * @param maxSteps                  optimizer steps to run; overrides epochs when > 0 ({@code max_steps}, -1)
 * @param perDeviceTrainBatchSize   samples per forward pass ({@code per_device_train_batch_size}, 2)
 * @param perDeviceEvalBatchSize    samples per evaluation forward pass ({@code per_device_eval_batch_size}, 2)
 * @param gradientAccumulationSteps forward passes whose gradients add up to one optimizer step
 *                                  ({@code gradient_accumulation_steps}, 8)
 * @param lrSchedulerType           learning-rate schedule ({@code lr_scheduler_type}, cosine)
 * @param warmupSteps               linear warmup steps; wins over the ratio when > 0 ({@code warmup_steps}, 0)
 * @param warmupRatio               warmup as a fraction of all steps, rounded up ({@code warmup_ratio}, 0.0)
 * @param maxGradNorm               global gradient-norm clipping threshold; <= 0 disables ({@code max_grad_norm}, 1.0)
 * @param weightDecay               AdamW decoupled weight decay ({@code weight_decay}, 0.0)
 * @param adamBeta1                 AdamW first-moment decay ({@code adam_beta1}, 0.9)
 * @param adamBeta2                 AdamW second-moment decay ({@code adam_beta2}, 0.999)
 * @param adamEpsilon               AdamW epsilon ({@code adam_epsilon}, 1e-8)
 * @param loggingSteps              emit a {@link TrainingLog} every this many steps ({@code logging_steps}, 5)
 * @param saveSteps                 write {@code checkpoint-<step>/} every this many steps; <= 0 never
 *                                  ({@code save_steps}, 100)
 * @param saveTotalLimit            keep at most this many checkpoints (the best is always kept); <= 0 keeps all
 *                                  ({@code save_total_limit}, 0)
 * @param evalSteps                 evaluate on the validation set every this many steps; {@link #EVAL_EACH_EPOCH}
 *                                  at the end of every epoch; 0 or less only at the end ({@code eval_steps}, 100)
 * @param seed                      seed of shuffling and of every random op ({@code seed}, 42)
 * @param earlyStoppingPatience     stop after this many evaluations without improvement; <= 0 disables
 *                                  ({@code early_stopping_patience}, 0)
 * @param earlyStoppingMinDelta     an evaluation improves only if the loss drops by more than this
 *                                  ({@code early_stopping_threshold}, 0.0)
 * @param loadBestModelAtEnd        at the end, load the weights of the evaluation with the lowest validation loss
 *                                  (checkpointed when reached) before writing the result ({@code load_best_model_at_end}, false)
 * @param padTokenId                token id used to right-pad inputs (its labels are ignored anyway)
 * @param lossChunkTokens           rows per LM-head chunk in the loss (256; memory versus per-op overhead)
 * @param optim                     the optimizer ({@code optim}, adamw_torch)
 * @param lrSchedulerOptions        schedule-specific arguments ({@code lr_scheduler_kwargs}, Hugging Face's defaults)
 * @param loraPlusLrRatio           LoRA+: LoRA's B matrices learn at learning_rate × this; 0 disables
 *                                  ({@code loraplus_lr_ratio}, off)
 * @param neftuneNoiseAlpha         NEFTune: uniform noise of scale alpha/√(T·C) on the input embeddings while
 *                                  training; 0 disables ({@code neftune_noise_alpha}, off)
 * @param lossWeighting             per-token weighting of the training loss: none, DFT ({@code use_dft_loss}) or
 *                                  EAFT ({@code use_eaft_loss}, {@code eaft_alpha}); validation stays plain NLL
 * @param optimizerMethod           the optimizer replacing {@code optim}: none (standard), GaLore, BAdam, Adam-mini or
 *                                  Muon ({@code use_galore}, {@code use_badam}, ...; DD032)
 * @param moeAuxLossCoef            mixture of experts: coefficient of the router's load-balancing loss added in
 *                                  training ({@code moe_aux_loss_coef}); 0 = the checkpoint's own setting
 * @param gradientCheckpointing     keep only each decoder block's input in the forward pass and recompute the block
 *                                  in backward (Hugging Face's {@code gradient_checkpointing}, off; LLaMA-Factory
 *                                  turns it on unless {@code disable_gradient_checkpointing})
 * @param trainableInBf16           keep the trainable weights, their gradients and the optimizer state at bfloat16
 *                                  precision: rounded to nearest even (PyTorch's cast) at the start, before clipping
 *                                  and after every optimizer step, in float32 arrays ({@code pure_bf16} for full and
 *                                  freeze fine-tuning, DD040); false: float32 as always
 */
public record TrainingConfig(
        Path outputDir,
        double learningRate,
        double numTrainEpochs,
        long maxSteps,
        int perDeviceTrainBatchSize,
        int perDeviceEvalBatchSize,
        int gradientAccumulationSteps,
        SchedulerType lrSchedulerType,
        int warmupSteps,
        double warmupRatio,
        double maxGradNorm,
        double weightDecay,
        double adamBeta1,
        double adamBeta2,
        double adamEpsilon,
        int loggingSteps,
        int saveSteps,
        int saveTotalLimit,
        int evalSteps,
        long seed,
        int earlyStoppingPatience,
        double earlyStoppingMinDelta,
        boolean loadBestModelAtEnd,
        int padTokenId,
        int lossChunkTokens,
        OptimizerType optim,
        SchedulerOptions lrSchedulerOptions,
        double loraPlusLrRatio,
        double neftuneNoiseAlpha,
        TokenLossWeighting lossWeighting,
        OptimizerMethod optimizerMethod,
        double moeAuxLossCoef,
        boolean gradientCheckpointing,
        boolean trainableInBf16) {

    /** {@code evalSteps} value: evaluate once per epoch (every steps-per-epoch optimizer steps). */
    public static final int EVAL_EACH_EPOCH = -1;

    public TrainingConfig {
        require(outputDir != null, "output_dir", "must be set");
        require(learningRate > 0 && Double.isFinite(learningRate), "learning_rate", "must be a positive number");
        require(maxSteps > 0 || numTrainEpochs > 0, "num_train_epochs", "must be > 0 when max_steps is not set");
        require(perDeviceTrainBatchSize >= 1, "per_device_train_batch_size", "must be >= 1");
        require(perDeviceEvalBatchSize >= 1, "per_device_eval_batch_size", "must be >= 1");
        require(gradientAccumulationSteps >= 1, "gradient_accumulation_steps", "must be >= 1");
        require(lrSchedulerType != null, "lr_scheduler_type", "must be set");
        require(warmupSteps >= 0, "warmup_steps", "must be >= 0");
        require(warmupRatio >= 0 && warmupRatio < 1, "warmup_ratio", "must lie in [0, 1)");
        require(weightDecay >= 0, "weight_decay", "must be >= 0");
        require(loggingSteps >= 1, "logging_steps", "must be >= 1");
        require(earlyStoppingMinDelta >= 0, "early_stopping_threshold", "must be >= 0");
        require(lossChunkTokens >= 1, "loss chunk size", "must be >= 1");
        require(optim != null, "optim", "must be set");
        require(lossWeighting != null, "loss weighting", "must be set");
        require(optimizerMethod != null, "optimizer method", "must be set");
        require(optimizerMethod.clipsGradients() || gradientAccumulationSteps == 1, "gradient_accumulation_steps",
                "must be 1 with galore_layerwise (per-layer updates cannot accumulate)");
        require(lrSchedulerOptions != null, "lr_scheduler_kwargs", "must be set");
        require(loraPlusLrRatio >= 0 && Double.isFinite(loraPlusLrRatio), "loraplus_lr_ratio", "must be >= 0");
        require(neftuneNoiseAlpha >= 0 && Double.isFinite(neftuneNoiseAlpha), "neftune_noise_alpha", "must be >= 0");
        require(moeAuxLossCoef >= 0 && Double.isFinite(moeAuxLossCoef), "moe_aux_loss_coef", "must be >= 0");
        new AdamWConfig(adamBeta1, adamBeta2, adamEpsilon, weightDecay);
    }

    private static void require(boolean ok, String field, String what) {
        if (!ok) {
            throw new TrainingConfigException("Training config field " + field + " " + what);
        }
    }

    /** AdamW's part of the config. */
    public AdamWConfig adamW() {
        return new AdamWConfig(adamBeta1, adamBeta2, adamEpsilon, weightDecay);
    }

    /** Hugging Face's parameter groups (no decay on biases and norms), with LoRA+'s ratio when set. */
    public ParameterGroups parameterGroups() {
        return new ParameterGroups(weightDecay,
                loraPlusLrRatio > 0 ? OptionalDouble.of(loraPlusLrRatio) : OptionalDouble.empty());
    }

    /** Samples per optimizer step. */
    public int effectiveBatchSize() {
        return perDeviceTrainBatchSize * gradientAccumulationSteps;
    }

    /** A builder holding LLaMA-Factory's defaults. */
    public static Builder builder(Path outputDir) {
        return new Builder(outputDir);
    }

    /** A builder starting from this config. */
    public Builder toBuilder() {
        Builder b = new Builder(outputDir);
        b.learningRate = learningRate;
        b.numTrainEpochs = numTrainEpochs;
        b.maxSteps = maxSteps;
        b.perDeviceTrainBatchSize = perDeviceTrainBatchSize;
        b.perDeviceEvalBatchSize = perDeviceEvalBatchSize;
        b.gradientAccumulationSteps = gradientAccumulationSteps;
        b.lrSchedulerType = lrSchedulerType;
        b.warmupSteps = warmupSteps;
        b.warmupRatio = warmupRatio;
        b.maxGradNorm = maxGradNorm;
        b.weightDecay = weightDecay;
        b.adamBeta1 = adamBeta1;
        b.adamBeta2 = adamBeta2;
        b.adamEpsilon = adamEpsilon;
        b.loggingSteps = loggingSteps;
        b.saveSteps = saveSteps;
        b.saveTotalLimit = saveTotalLimit;
        b.evalSteps = evalSteps;
        b.seed = seed;
        b.earlyStoppingPatience = earlyStoppingPatience;
        b.earlyStoppingMinDelta = earlyStoppingMinDelta;
        b.loadBestModelAtEnd = loadBestModelAtEnd;
        b.padTokenId = padTokenId;
        b.lossChunkTokens = lossChunkTokens;
        b.optim = optim;
        b.lrSchedulerOptions = lrSchedulerOptions;
        b.loraPlusLrRatio = loraPlusLrRatio;
        b.neftuneNoiseAlpha = neftuneNoiseAlpha;
        b.lossWeighting = lossWeighting;
        b.optimizerMethod = optimizerMethod;
        b.moeAuxLossCoef = moeAuxLossCoef;
        b.gradientCheckpointing = gradientCheckpointing;
        b.trainableInBf16 = trainableInBf16;
        return b;
    }

    /** Mutable builder; every setter is named after the record field. */
    public static final class Builder {
        private Path outputDir;
        private double learningRate = 5e-5;
        private double numTrainEpochs = 3.0;
        private long maxSteps = -1;
        private int perDeviceTrainBatchSize = 2;
        private int perDeviceEvalBatchSize = 2;
        private int gradientAccumulationSteps = 8;
        private SchedulerType lrSchedulerType = SchedulerType.COSINE;
        private int warmupSteps = 0;
        private double warmupRatio = 0.0;
        private double maxGradNorm = 1.0;
        private double weightDecay = 0.0;
        private double adamBeta1 = 0.9;
        private double adamBeta2 = 0.999;
        private double adamEpsilon = 1e-8;
        private int loggingSteps = 5;
        private int saveSteps = 100;
        private int saveTotalLimit = 0;
        private int evalSteps = 100;
        private long seed = 42;
        private int earlyStoppingPatience = 0;
        private double earlyStoppingMinDelta = 0.0;
        private boolean loadBestModelAtEnd = false;
        private int padTokenId = 0;
        private int lossChunkTokens = CausalLmLoss.DEFAULT_CHUNK_TOKENS;
        private OptimizerType optim = OptimizerType.ADAMW_TORCH;
        private SchedulerOptions lrSchedulerOptions = SchedulerOptions.defaults();
        private double loraPlusLrRatio = 0.0;
        private double neftuneNoiseAlpha = 0.0;
        private TokenLossWeighting lossWeighting = TokenLossWeighting.none();
        private OptimizerMethod optimizerMethod = OptimizerMethod.standard();
        private double moeAuxLossCoef = 0.0;
        private boolean gradientCheckpointing = false;
        private boolean trainableInBf16 = false;

        private Builder(Path outputDir) {
            this.outputDir = outputDir;
        }

        public Builder outputDir(Path v) { outputDir = v; return this; }
        public Builder learningRate(double v) { learningRate = v; return this; }
        public Builder numTrainEpochs(double v) { numTrainEpochs = v; return this; }
        public Builder maxSteps(long v) { maxSteps = v; return this; }
        public Builder perDeviceTrainBatchSize(int v) { perDeviceTrainBatchSize = v; return this; }
        public Builder perDeviceEvalBatchSize(int v) { perDeviceEvalBatchSize = v; return this; }
        public Builder gradientAccumulationSteps(int v) { gradientAccumulationSteps = v; return this; }
        public Builder lrSchedulerType(SchedulerType v) { lrSchedulerType = v; return this; }
        public Builder warmupSteps(int v) { warmupSteps = v; return this; }
        public Builder warmupRatio(double v) { warmupRatio = v; return this; }
        public Builder maxGradNorm(double v) { maxGradNorm = v; return this; }
        public Builder weightDecay(double v) { weightDecay = v; return this; }
        public Builder adamBeta1(double v) { adamBeta1 = v; return this; }
        public Builder adamBeta2(double v) { adamBeta2 = v; return this; }
        public Builder adamEpsilon(double v) { adamEpsilon = v; return this; }
        public Builder loggingSteps(int v) { loggingSteps = v; return this; }
        public Builder saveSteps(int v) { saveSteps = v; return this; }
        public Builder saveTotalLimit(int v) { saveTotalLimit = v; return this; }
        public Builder evalSteps(int v) { evalSteps = v; return this; }
        public Builder seed(long v) { seed = v; return this; }
        public Builder earlyStoppingPatience(int v) { earlyStoppingPatience = v; return this; }
        public Builder earlyStoppingMinDelta(double v) { earlyStoppingMinDelta = v; return this; }
        public Builder loadBestModelAtEnd(boolean v) { loadBestModelAtEnd = v; return this; }
        public Builder padTokenId(int v) { padTokenId = v; return this; }
        public Builder lossChunkTokens(int v) { lossChunkTokens = v; return this; }
        public Builder optim(OptimizerType v) { optim = v; return this; }
        public Builder lrSchedulerOptions(SchedulerOptions v) { lrSchedulerOptions = v; return this; }
        public Builder loraPlusLrRatio(double v) { loraPlusLrRatio = v; return this; }
        public Builder neftuneNoiseAlpha(double v) { neftuneNoiseAlpha = v; return this; }
        public Builder lossWeighting(TokenLossWeighting v) { lossWeighting = v; return this; }
        public Builder optimizerMethod(OptimizerMethod v) { optimizerMethod = v; return this; }
        public Builder moeAuxLossCoef(double v) { moeAuxLossCoef = v; return this; }
        public Builder gradientCheckpointing(boolean v) { gradientCheckpointing = v; return this; }
        public Builder trainableInBf16(boolean v) { trainableInBf16 = v; return this; }

        public TrainingConfig build() {
            return new TrainingConfig(outputDir, learningRate, numTrainEpochs, maxSteps, perDeviceTrainBatchSize,
                    perDeviceEvalBatchSize, gradientAccumulationSteps, lrSchedulerType, warmupSteps, warmupRatio,
                    maxGradNorm, weightDecay, adamBeta1, adamBeta2, adamEpsilon, loggingSteps, saveSteps,
                    saveTotalLimit, evalSteps, seed, earlyStoppingPatience, earlyStoppingMinDelta,
                    loadBestModelAtEnd, padTokenId, lossChunkTokens, optim, lrSchedulerOptions, loraPlusLrRatio,
                    neftuneNoiseAlpha, lossWeighting, optimizerMethod, moeAuxLossCoef, gradientCheckpointing,
                    trainableInBf16);
        }
    }
}
