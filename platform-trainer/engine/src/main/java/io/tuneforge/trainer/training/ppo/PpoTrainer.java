package io.tuneforge.trainer.training.ppo;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import io.tuneforge.trainer.data.TokenizedSample;
import io.tuneforge.trainer.generate.BatchGenerator;
import io.tuneforge.trainer.generate.GenerationConfig;
import io.tuneforge.trainer.generate.GenerationResult;
import io.tuneforge.trainer.model.GradMode;
import io.tuneforge.trainer.model.LlamaModel;
import io.tuneforge.trainer.tokenizer.TextTokenizer;
import io.tuneforge.trainer.training.Batch;
import io.tuneforge.trainer.training.DataOrder;
import io.tuneforge.trainer.training.CheckpointSaved;
import io.tuneforge.trainer.training.TrainingConfig;
import io.tuneforge.trainer.training.checkpoint.CheckpointStore;
import io.tuneforge.trainer.training.checkpoint.TrainerState;
import io.tuneforge.trainer.training.TrainingListener;
import io.tuneforge.trainer.training.TrainingLog;
import io.tuneforge.trainer.training.TrainingPlan;
import io.tuneforge.trainer.training.TrainingResult;
import io.tuneforge.trainer.training.TrainingStatus;
import io.tuneforge.trainer.training.optim.GradientClipping;
import io.tuneforge.trainer.training.optim.LearningRateSchedule;
import io.tuneforge.trainer.training.optim.ParameterOptimizer;
import io.tuneforge.trainer.training.preference.SequenceLogProbs;
import io.tuneforge.trainer.training.reward.RewardModel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.SequencedMap;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/**
 * PPO (stage ppo), TRL 0.9's {@code PPOTrainer.step} as LLaMA-Factory's {@code CustomPPOTrainer} drives it: a LoRA
 * policy with a value head (the critic, {@code v_head.summary} on the policy's hidden states), the reference being the
 * policy with its adapters switched off, scores from a {@link RewardFunction} (a finished reward model).
 *
 * <p>One PPO step: {@code B = per_device_train_batch_size × gradient_accumulation_steps × ppo_buffer_size} prompts
 * (seeded order per epoch) are answered by sampling with the job's generation settings; the policy's and the
 * reference's per-token log-probabilities and the critic's values are taken without gradient; the per-token reward is
 * {@code −β_KL·(log π − log ref)} plus the (optionally normalised) score on the last token, optionally whitened; GAE
 * gives advantages (whitened) and returns; then {@code ppo_epochs} passes over shuffled mini-batches of
 * {@code per_device_train_batch_size} rollouts minimise {@link PpoLoss} (gradients accumulated over
 * {@code gradient_accumulation_steps} mini-batches per optimizer update, clipped by global norm); finally the adaptive
 * KL controller moves β_KL toward {@code ppo_target}. Logged per step: {@code ppo/mean_scores}, {@code ppo/loss/policy},
 * {@code ppo/loss/value}, {@code kl} (mean over rollouts of the summed log-ratio), {@code ppo/kl_coef}.
 *
 * <p>Every {@code save_steps} steps a {@code checkpoint-<step>/} is written ({@link CheckpointStore}: the adapter and
 * value head, every trainable tensor, the optimizer state, {@code trainer_state.json}, and {@link PpoState}: the KL
 * coefficient and the score moments); a run resumed from it repeats the uninterrupted run exactly (DD037).
 */
public final class PpoTrainer {

    private static final tools.jackson.databind.json.JsonMapper JSON =
            tools.jackson.databind.json.JsonMapper.builder().build();

    /** The metric names. */
    public static final String MEAN_SCORES = "ppo/mean_scores";
    public static final String LOSS_POLICY = "ppo/loss/policy";
    public static final String LOSS_VALUE = "ppo/loss/value";
    public static final String KL = "kl";
    public static final String KL_COEF = "ppo/kl_coef";

    private final TrainingConfig config;
    private final PpoConfig ppo;
    private final RewardModel policy;
    private final TextTokenizer tokenizer;
    private final RewardFunction reward;
    private final List<int[]> queries;
    private final GenerationConfig generation;

    /**
     * @param config     learning rate, batch sizes, steps, seed, clipping, optimizer, logging and output folder
     * @param ppo        PPO's settings
     * @param policy     the LoRA policy with its value head ({@link RewardModel#withNewHead}); trained in place
     * @param tokenizer  the policy's tokenizer (generation)
     * @param reward     scores the rollouts
     * @param queries    the prompts' token ids (templated, BOS included), at least one
     * @param generation sampling settings of the rollouts
     */
    public PpoTrainer(TrainingConfig config, PpoConfig ppo, RewardModel policy, TextTokenizer tokenizer,
            RewardFunction reward, List<int[]> queries, GenerationConfig generation) {
        if (queries.isEmpty()) {
            throw new IllegalArgumentException("No prompts: PPO needs at least one prompt to answer");
        }
        if (policy.base().loraConfig().isEmpty()) {
            throw new IllegalArgumentException("stage ppo trains a LoRA policy (finetuning_type: lora): its reference "
                    + "is the base with the adapters switched off");
        }
        this.config = config;
        this.ppo = ppo;
        this.policy = policy;
        this.tokenizer = tokenizer;
        this.reward = reward;
        this.queries = List.copyOf(queries);
        this.generation = generation;
    }

    /** Rollouts per PPO step. */
    public int rolloutsPerStep() {
        return config.perDeviceTrainBatchSize() * config.gradientAccumulationSteps() * ppo.bufferSize();
    }

    /** PPO steps of the run: {@code max_steps}, else {@code ceil(num_train_epochs × prompts / rollouts per step)}. */
    public long totalSteps() {
        return config.maxSteps() > 0 ? config.maxSteps()
                : Math.max(1, (long) Math.ceil(config.numTrainEpochs() * queries.size() / rolloutsPerStep()));
    }

    /** Runs PPO to the end (or until {@code cancelRequested}) and writes the adapter and value head. */
    public TrainingResult train(TrainingListener listener, BooleanSupplier cancelRequested) throws IOException {
        return train(listener, cancelRequested, Optional.empty());
    }

    /**
     * Runs PPO, continuing from the checkpoint {@code resumeFrom} when given (written by a run of the same prompts,
     * batch sizes, seed and optimizer), to the end or until {@code cancelRequested}; writes the adapter and value
     * head.
     */
    public TrainingResult train(TrainingListener listener, BooleanSupplier cancelRequested,
            Optional<Path> resumeFrom) throws IOException {
        try (GradMode off = GradMode.disabled()) {
            return run(listener, cancelRequested, resumeFrom);
        }
    }

    private TrainingResult run(TrainingListener listener, BooleanSupplier cancelRequested, Optional<Path> resumeFrom)
            throws IOException {
        long totalSteps = totalSteps();
        long updatesPerStep = (long) ppo.ppoEpochs() * ppo.bufferSize();
        long totalUpdates = totalSteps * updatesPerStep;
        long warmup = LearningRateSchedule.warmupSteps(config.warmupSteps(), config.warmupRatio(), totalUpdates);
        LearningRateSchedule schedule = new LearningRateSchedule(config.lrSchedulerType(), config.learningRate(),
                warmup, totalUpdates, config.lrSchedulerOptions());
        SequencedMap<String, NDArray> params = policy.trainableParameters();
        AdaptiveKlController klController = new AdaptiveKlController(ppo.initKlCoef(), ppo.target(), ppo.horizon());
        RunningMoments moments = new RunningMoments();
        long start = System.nanoTime();
        long tokensSeen = 0;
        double lastLoss = Double.NaN;
        TrainingStatus status = TrainingStatus.COMPLETED;
        long step = 0;
        Duration elapsedBefore = Duration.ZERO;
        long firstStep;
        long firstTokens;
        CheckpointStore checkpoints = new CheckpointStore(config.outputDir());
        try (NDManager run = NDManager.newBaseManager();
             ParameterOptimizer optimizer = config.optim().create(params, config.adamW(), config.parameterGroups(),
                     run)) {
            params.values().forEach(p -> JniUtils.zeroGrad((PtNDArray) p));
            if (resumeFrom.isPresent()) {
                TrainerState restored = restore(resumeFrom.get(), run, params, optimizer, klController, moments);
                step = restored.globalStep();
                tokensSeen = restored.tokensSeen();
                elapsedBefore = Duration.ofNanos((long) (restored.elapsedSeconds() * 1e9));
            }
            firstStep = step;
            firstTokens = tokensSeen;
            listener.onTrainingStarted(new TrainingPlan(totalSteps, 0, Math.max(1, queries.size()
                    / rolloutsPerStep()), queries.size(), 0, warmup, params.values().stream()
                    .mapToLong(p -> p.getShape().size()).sum()));
            Map<String, Double> window = new LinkedHashMap<>();
            int windowSteps = 0;
            while (step < totalSteps) {
                if (cancelRequested.getAsBoolean()) {
                    status = TrainingStatus.CANCELLED;
                    break;
                }
                Engine.getInstance().setRandomSeed((int) (config.seed() * 1_000_003L + step));
                Rollouts rollouts = rollouts(step, klController.value(), moments);
                StepStats stats = optimise(run, optimizer, params, schedule, rollouts, step * updatesPerStep);
                klController.update(rollouts.meanKl(), rollouts.size());
                step++;
                tokensSeen += rollouts.tokens();
                lastLoss = stats.policyLoss() + ppo.valueCoef() * stats.valueLoss();
                add(window, MEAN_SCORES, rollouts.meanScore());
                add(window, LOSS_POLICY, stats.policyLoss());
                add(window, LOSS_VALUE, stats.valueLoss());
                add(window, KL, rollouts.meanKl());
                add(window, KL_COEF, klController.value());
                windowSteps++;
                if (config.saveSteps() > 0 && step % config.saveSteps() == 0) {
                    Duration elapsed = elapsedBefore.plusNanos(System.nanoTime() - start);
                    Path dir = checkpoints.save(new TrainerState(step, totalSteps, optimizer.stepCount(), 0, 0,
                            queries.size(), config.perDeviceTrainBatchSize(), config.gradientAccumulationSteps(),
                            config.seed(), TrainerState.RNG_SCHEME, tokensSeen, schedule.type().configName(),
                            schedule.baseLearningRate(), schedule.warmupSteps(), stats.learningRate(), null, null, 0,
                            elapsed.toNanos() / 1e9, optimizerName(), null, null), params, optimizer.state(), policy,
                            Map.of(PpoState.FILE_NAME, JSON.writeValueAsString(new PpoState(klController.value(),
                                    moments.state(), queries.size()))));
                    checkpoints.rotate(config.saveTotalLimit(), Optional.empty());
                    listener.onCheckpointSaved(new CheckpointSaved(step, dir, false));
                }
                if (step % config.loggingSteps() == 0 || step == totalSteps) {
                    double seconds = (System.nanoTime() - start) / 1e9; // this session (after a resume too)
                    Map<String, Double> means = new LinkedHashMap<>();
                    int n = windowSteps;
                    window.forEach((k, v) -> means.put(k, v / n));
                    listener.onLog(new TrainingLog(step, totalSteps, (double) step * rolloutsPerStep()
                            / queries.size(), lastLoss, stats.learningRate(), stats.gradNorm(),
                            (tokensSeen - firstTokens) / Math.max(1e-9, seconds), tokensSeen,
                            elapsedBefore.plusNanos(System.nanoTime() - start), Duration.ofMillis((long) (seconds
                            / (step - firstStep) * (totalSteps - step) * 1000)), means));
                    window.clear();
                    windowSteps = 0;
                }
            }
        }
        if (status == TrainingStatus.COMPLETED) {
            writeResult();
        }
        TrainingResult result = new TrainingResult(status, step, totalSteps, lastLoss, OptionalDouble.empty(),
                Optional.empty(), Optional.empty(), config.outputDir(), Duration.ofNanos(System.nanoTime() - start),
                tokensSeen);
        listener.onTrainingFinished(result);
        return result;
    }

    // ---------------------------------------------------------------- checkpoints

    /**
     * Restores a checkpoint of a PPO run: trainable tensors, optimizer state, KL coefficient and score moments; the
     * run's prompts, batch sizes, seed and optimizer must be those the checkpoint was written with.
     */
    private TrainerState restore(Path directory, NDManager run, SequencedMap<String, NDArray> params,
            ParameterOptimizer optimizer, AdaptiveKlController klController, RunningMoments moments)
            throws IOException {
        Path ppoFile = directory.resolve(PpoState.FILE_NAME);
        if (!Files.isRegularFile(ppoFile)) {
            throw new IOException("Checkpoint " + directory + " is not a PPO checkpoint: " + PpoState.FILE_NAME
                    + " is missing");
        }
        PpoState ppoState = JSON.readValue(Files.readString(ppoFile), PpoState.class);
        try (NDManager scope = run.newSubManager()) {
            CheckpointStore.Loaded loaded = CheckpointStore.load(directory, scope);
            TrainerState state = loaded.state();
            String optim = state.optim() == null ? "adamw_torch" : state.optim();
            requireSame(directory, "prompts", ppoState.prompts(), queries.size());
            requireSame(directory, "per_device_train_batch_size", state.batchSize(), config.perDeviceTrainBatchSize());
            requireSame(directory, "gradient_accumulation_steps", state.accumulationSteps(),
                    config.gradientAccumulationSteps());
            requireSame(directory, "seed", state.seed(), config.seed());
            requireSame(directory, "optim", optim, optimizerName());
            for (Map.Entry<String, NDArray> e : params.entrySet()) {
                NDArray saved = loaded.trainable().get(e.getKey());
                if (saved == null || !saved.getShape().equals(e.getValue().getShape())) {
                    throw new IllegalStateException("Checkpoint " + directory + " has no tensor " + e.getKey()
                            + " of shape " + e.getValue().getShape() + ": it was written for other trainable "
                            + "parameters (lora_rank or lora_target differ)");
                }
                e.getValue().set(saved.toType(e.getValue().getDataType(), false).toByteBuffer());
            }
            optimizer.restore(loaded.optimizerState(), state.optimizerSteps());
            klController.restore(ppoState.klCoef());
            moments.restore(ppoState.moments());
            return state;
        }
    }

    private static void requireSame(Path directory, String key, Object saved, Object now) {
        if (!saved.equals(now)) {
            throw new IllegalStateException("Checkpoint " + directory + " was written with " + key + " " + saved
                    + "; resume with the same value (this run has " + now + ")");
        }
    }

    /** The optimizer's name in checkpoints (as {@code Trainer} writes it). */
    private String optimizerName() {
        return config.optimizerMethod().checkpointName(config.optim());
    }

    // ---------------------------------------------------------------- rollouts

    /**
     * One PPO step's experience, per rollout: the query and response ids, and per response token the old
     * log-probability, the old value, the advantage (whitened) and the return.
     */
    private record Rollouts(List<int[]> queries, List<int[]> responses, double[][] logProbs, double[][] values,
            double[][] advantages, double[][] returns, double meanScore, double meanKl, long tokens) {

        int size() {
            return queries.size();
        }
    }

    private Rollouts rollouts(long step, double klCoef, RunningMoments moments) {
        List<int[]> batchQueries = nextQueries(step);
        GenerationConfig sampling = new GenerationConfig(generation.maxNewTokens(), generation.temperature(),
                generation.topK(), generation.topP(), generation.repetitionPenalty(),
                OptionalLong.of(config.seed() * 31 + step), generation.stopStrings(), generation.stopOnEos(),
                generation.stopTokenIds());
        List<GenerationResult> generated = new BatchGenerator(policy.base(), tokenizer).generateIds(batchQueries,
                sampling, () -> false);
        List<int[]> responses = new ArrayList<>();
        for (GenerationResult g : generated) {
            responses.add(g.tokenIds().length > 0 ? g.tokenIds() : new int[] {endOfText()});
        }
        double[] rawScores = reward.scores(batchQueries, responses);
        double meanScore = mean(rawScores);
        double[] scores = rawScores.clone();
        if (ppo.scoreNorm()) {
            moments.update(rawScores);
            for (int i = 0; i < scores.length; i++) {
                scores[i] = (scores[i] - moments.mean()) / (moments.std() + 1e-8);
            }
        }
        Batch batch = Batch.collate(rows(batchQueries, responses), config.padTokenId());
        long[] counts = SequenceLogProbs.counts(batch);
        double[] flatLogProbs;
        double[] flatValues;
        double[] flatReference;
        try (NDManager scope = NDManager.newBaseManager()) {
            NDArray hidden = policy.hiddenStates(scope, batch.inputIdsArray(scope), false);       // (B, T, C)
            flatLogProbs = doubles(SequenceLogProbs.perToken(scope, hidden, policy.lmHeadWeight(), batch,
                    config.lossChunkTokens()));                                                    // (N,)
            flatValues = doubles(values(scope, hidden, batch));                                    // (N,)
            try (LlamaModel.BaseOnly reference = policy.base().adaptersDisabled()) {
                NDArray refHidden = policy.hiddenStates(scope, batch.inputIdsArray(scope), false); // (B, T, C)
                flatReference = doubles(SequenceLogProbs.perToken(scope, refHidden, policy.lmHeadWeight(), batch,
                        config.lossChunkTokens()));                                                // (N,)
            }
        }
        double[][] logProbs = perRow(flatLogProbs, counts);
        double[][] values = perRow(flatValues, counts);
        double[][] reference = perRow(flatReference, counts);
        double[][] rewards = new double[counts.length][];
        double klSum = 0;
        for (int r = 0; r < counts.length; r++) {
            rewards[r] = new double[logProbs[r].length];
            for (int t = 0; t < rewards[r].length; t++) {
                double kl = logProbs[r][t] - reference[r][t];
                klSum += kl;
                rewards[r][t] = -klCoef * kl;
            }
            rewards[r][rewards[r].length - 1] += scores[r];
        }
        if (ppo.whitenRewards()) {
            rewards = perRow(Advantages.whiten(flat(rewards), false), counts);
        }
        double[][] advantages = new double[counts.length][];
        double[][] returns = new double[counts.length][];
        for (int r = 0; r < counts.length; r++) {
            double[][] gae = Advantages.gae(rewards[r], values[r], ppo.gamma(), ppo.lam());
            advantages[r] = gae[0];
            returns[r] = gae[1];
        }
        advantages = perRow(Advantages.whiten(flat(advantages), true), counts);
        return new Rollouts(batchQueries, responses, logProbs, values, advantages, returns, meanScore,
                klSum / counts.length, batch.inputTokens());
    }

    /** The next prompts in the seeded order of their epoch (an epoch's end wraps into the next epoch's order). */
    private List<int[]> nextQueries(long step) {
        List<int[]> out = new ArrayList<>();
        long first = step * rolloutsPerStep();
        for (long i = first; i < first + rolloutsPerStep(); i++) {
            int epoch = (int) (i / queries.size());
            int[] order = DataOrder.shuffled(config.seed(), epoch, queries.size());
            out.add(queries.get(order[(int) (i % queries.size())]));
        }
        return out;
    }

    // ---------------------------------------------------------------- optimisation

    private record StepStats(double policyLoss, double valueLoss, double gradNorm, double learningRate) {
    }

    private StepStats optimise(NDManager run, ParameterOptimizer optimizer, SequencedMap<String, NDArray> params,
            LearningRateSchedule schedule, Rollouts rollouts, long firstUpdate) {
        int mini = config.perDeviceTrainBatchSize();
        int accumulation = config.gradientAccumulationSteps();
        double policyLoss = 0;
        double valueLoss = 0;
        int miniBatches = 0;
        double gradNorm = 0;
        double lr = 0;
        long update = firstUpdate;
        for (int epoch = 0; epoch < ppo.ppoEpochs(); epoch++) {
            int[] order = DataOrder.shuffled(config.seed() + update, epoch, rollouts.size());
            for (int start = 0; start < order.length; start += mini * accumulation) {
                try (NDManager step = run.newSubManager()) {
                    NDArray denominator = step.full(new Shape(), (float) Math.ceil(
                            (double) Math.min(mini * accumulation, order.length - start) / mini));  // ()
                    for (int m = start; m < Math.min(order.length, start + mini * accumulation); m += mini) {
                        int[] rows = java.util.Arrays.copyOfRange(order, m, Math.min(order.length, m + mini));
                        PpoLoss.Losses losses = miniBatch(step, rollouts, rows, denominator);
                        policyLoss += losses.policy().getFloat();
                        valueLoss += losses.value().getFloat();
                        miniBatches++;
                    }
                    SequencedMap<String, NDArray> grads = new LinkedHashMap<>();
                    for (Map.Entry<String, NDArray> e : params.entrySet()) {
                        NDArray grad = e.getValue().getGradient();
                        grad.attach(step);
                        grads.put(e.getKey(), grad);
                    }
                    gradNorm = GradientClipping.clipByGlobalNorm(step, grads.values(), config.maxGradNorm());
                    lr = schedule.learningRate(update);
                    optimizer.step(grads, lr);
                    params.values().forEach(p -> JniUtils.zeroGrad((PtNDArray) p));
                    update++;
                }
            }
        }
        return new StepStats(policyLoss / miniBatches, valueLoss / miniBatches, gradNorm, lr);
    }

    /** Forward and backward of one mini-batch of rollouts; returns its (detached) losses. */
    private PpoLoss.Losses miniBatch(NDManager step, Rollouts rollouts, int[] rows, NDArray denominator) {
        List<int[]> q = new ArrayList<>();
        List<int[]> r = new ArrayList<>();
        List<double[]> oldLogProbs = new ArrayList<>();
        List<double[]> oldValues = new ArrayList<>();
        List<double[]> advantages = new ArrayList<>();
        List<double[]> returns = new ArrayList<>();
        for (int row : rows) {
            q.add(rollouts.queries().get(row));
            r.add(rollouts.responses().get(row));
            oldLogProbs.add(rollouts.logProbs()[row]);
            oldValues.add(rollouts.values()[row]);
            advantages.add(rollouts.advantages()[row]);
            returns.add(rollouts.returns()[row]);
        }
        Batch batch = Batch.collate(rows(q, r), config.padTokenId());
        try (NDManager micro = step.newSubManager();
             GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            NDArray hidden = policy.hiddenStates(micro, batch.inputIdsArray(micro), true);          // (b, T, C)
            NDArray logProbs = SequenceLogProbs.perToken(micro, hidden, policy.lmHeadWeight(), batch,
                    config.lossChunkTokens());                                                      // (N,)
            NDArray values = values(micro, hidden, batch);                                          // (N,)
            PpoLoss.Losses losses = PpoLoss.of(micro, logProbs, array(micro, oldLogProbs), values,
                    array(micro, oldValues), array(micro, advantages), array(micro, returns), ppo);
            NDArray share = losses.total().div(denominator);                                        // ()
            share.attach(micro);
            collector.backward(share);
            NDArray policyLoss = losses.policy().duplicate();
            NDArray valueLoss = losses.value().duplicate();
            policyLoss.attach(step);
            valueLoss.attach(step);
            return new PpoLoss.Losses(policyLoss, valueLoss, share);
        }
    }

    /** The critic's value at every position that predicts a response token. */
    private NDArray values(NDManager step, NDArray hidden, Batch batch) {
        long channels = hidden.getShape().get(2);
        NDArray flat = own(step, hidden.reshape(-1, channels));                                     // (B*T, C)
        NDArray selected = own(step, flat.get(new NDIndex("{}", step.create(batch.predictingPositions())))); // (N, C)
        return policy.head(step, selected);                                                         // (N,)
    }

    // ---------------------------------------------------------------- result and helpers

    /** The LoRA adapter and the value head, written into a temporary folder and moved into the output folder. */
    private void writeResult() throws IOException {
        Files.createDirectories(config.outputDir());
        Path temp = Files.createTempDirectory(config.outputDir(), ".result-");
        try {
            policy.saveTrained(temp);
            try (Stream<Path> files = Files.list(temp)) {
                for (Path file : files.toList()) {
                    Files.move(file, config.outputDir().resolve(file.getFileName().toString()),
                            StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                }
            }
        } finally {
            try (Stream<Path> rest = Files.walk(temp)) {
                for (Path p : rest.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    private int endOfText() {
        return tokenizer.specialTokens().eosIds().isEmpty() ? config.padTokenId()
                : tokenizer.specialTokens().eosIds().getFirst();
    }

    private static List<TokenizedSample> rows(List<int[]> queries, List<int[]> responses) {
        List<TokenizedSample> rows = new ArrayList<>();
        for (int i = 0; i < queries.size(); i++) {
            rows.add(PpoRollouts.row(queries.get(i), responses.get(i)));
        }
        return rows;
    }

    private static double[][] perRow(double[] flat, long[] counts) {
        double[][] out = new double[counts.length][];
        int offset = 0;
        for (int r = 0; r < counts.length; r++) {
            out[r] = java.util.Arrays.copyOfRange(flat, offset, offset + (int) counts[r]);
            offset += (int) counts[r];
        }
        return out;
    }

    private static double[] flat(double[][] rows) {
        return java.util.Arrays.stream(rows).flatMapToDouble(java.util.Arrays::stream).toArray();
    }

    private static NDArray array(NDManager step, List<double[]> rows) {
        double[] values = rows.stream().flatMapToDouble(java.util.Arrays::stream).toArray();
        float[] f = new float[values.length];
        for (int i = 0; i < f.length; i++) {
            f[i] = (float) values[i];
        }
        return step.create(f, new Shape(f.length));
    }

    private static double[] doubles(NDArray array) {
        return array.toType(DataType.FLOAT64, false).toDoubleArray();
    }

    private static double mean(double[] xs) {
        double s = 0;
        for (double x : xs) {
            s += x;
        }
        return s / xs.length;
    }

    private static void add(Map<String, Double> window, String key, double value) {
        window.merge(key, value, Double::sum);
    }

    private static NDArray own(NDManager step, NDArray array) {
        array.attach(step);
        return array;
    }
}
