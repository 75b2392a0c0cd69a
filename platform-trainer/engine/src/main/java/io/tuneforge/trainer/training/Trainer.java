package io.tuneforge.trainer.training;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import io.tuneforge.trainer.data.TrainingPair;
import io.tuneforge.trainer.data.TokenizedSample;
import io.tuneforge.trainer.model.GradMode;
import io.tuneforge.trainer.model.ModelConfig;
import io.tuneforge.trainer.model.TrainableModel;
import io.tuneforge.trainer.training.checkpoint.CheckpointStore;
import io.tuneforge.trainer.training.checkpoint.TrainerState;
import io.tuneforge.trainer.training.optim.AdamMini;
import io.tuneforge.trainer.training.optim.GradientClipping;
import io.tuneforge.trainer.training.optim.LearningRateSchedule;
import io.tuneforge.trainer.training.optim.ParameterOptimizer;
import io.tuneforge.trainer.training.optim.GreedyLr;
import io.tuneforge.trainer.training.optim.ReduceLrOnPlateau;
import io.tuneforge.trainer.training.optim.SchedulerType;
import io.tuneforge.trainer.training.preference.PreferenceBatch;
import io.tuneforge.trainer.training.preference.PreferenceMetrics;
import io.tuneforge.trainer.training.preference.PreferenceObjective;
import io.tuneforge.trainer.training.preference.PairObjective;

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
import java.util.SequencedMap;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/**
 * The training loop: seeded shuffling per epoch, gradient accumulation, chunked causal-LM loss, global-norm
 * clipping, Hugging Face's optimizers (PyTorch-exact AdamW, SGD, Adafactor) with their parameter groups and LoRA+,
 * every Hugging Face learning-rate schedule, NEFTune noise on the input embeddings, periodic logging, evaluation and
 * checkpoints, early stopping, best-model tracking, cancellation between steps, and exact resume from a checkpoint.
 *
 * <p>One optimizer step: for each of up to {@code gradient_accumulation_steps} micro-batches, forward, loss = sum of
 * token NLL / target tokens of the whole step, backward (gradients add up); then clip, update, zero the gradients.
 * Every array of a step lives in one per-step {@link NDManager} closed at the end of the step. The engine RNG is
 * reseeded from {@code (seed, step)} before each step, and the data order is a function of {@code (seed, epoch)}, so
 * a checkpoint's step and data position fix all randomness of the rest of the run.
 *
 * <p>Preference training ({@link #preference}) runs the same loop over pairs: each micro-batch is B pairs as 2B rows
 * ({@link PreferenceBatch}), the loss is the sum of pair losses / pairs of the whole step, validation loss is the mean
 * pair loss, and each log carries TRL's reward metrics ({@link PreferenceMetrics}).
 */
public final class Trainer {

    private final TrainingConfig config;
    private final TrainableModel model;
    private final List<TokenizedSample> trainSamples;
    private final List<TokenizedSample> evalSamples;
    private final List<? extends TrainingPair> trainPairs;
    private final List<? extends TrainingPair> evalPairs;
    private final Optional<PairObjective> preference;
    private final CheckpointStore checkpoints;
    private Runnable beforeBackward = () -> { };
    /** reduce_lr_on_plateau's state during a run with that schedule, else null. */
    private ReduceLrOnPlateau plateau;
    /** greedy's state during a run with that schedule, else null. */
    private GreedyLr greedy;
    /** ASFT's frozen reference during a run with {@code use_asft_loss}, else null. */
    private AsftReference asftReference;

    /**
     * @param config       hyper-parameters and output directory
     * @param model        the model; its trainable parameters are updated in place
     * @param trainSamples training samples (at least one with a counted label)
     * @param evalSamples  validation samples; empty for no evaluation
     */
    public Trainer(TrainingConfig config, TrainableModel model, List<TokenizedSample> trainSamples,
                   List<TokenizedSample> evalSamples) {
        this(config, model, trainSamples, evalSamples, List.of(), List.of(), Optional.empty());
    }

    private Trainer(TrainingConfig config, TrainableModel model, List<TokenizedSample> trainSamples,
                    List<TokenizedSample> evalSamples, List<? extends TrainingPair> trainPairs,
                    List<? extends TrainingPair> evalPairs, Optional<PairObjective> preference) {
        if (trainSamples.isEmpty() && trainPairs.isEmpty()) {
            throw new IllegalArgumentException("No training samples: the training set is empty");
        }
        this.config = config;
        this.model = model;
        this.trainSamples = List.copyOf(trainSamples);
        this.evalSamples = List.copyOf(evalSamples);
        this.trainPairs = List.copyOf(trainPairs);
        this.evalPairs = List.copyOf(evalPairs);
        this.preference = preference;
        this.checkpoints = new CheckpointStore(config.outputDir());
    }

    /**
     * A trainer of a loss on tokenized pairs (stage dpo, stage rm) or KTO examples (stage kto); batch sizes count
     * pairs (examples).
     *
     * @param trainPairs training pairs (at least one)
     * @param evalPairs  validation pairs; empty for no evaluation
     * @param preference the pairwise loss (with its reference model for DPO and KTO)
     */
    public static Trainer preference(TrainingConfig config, TrainableModel model,
                                     List<? extends TrainingPair> trainPairs,
                                     List<? extends TrainingPair> evalPairs, PairObjective preference) {
        if (trainPairs.isEmpty()) {
            throw new IllegalArgumentException("No training pairs: the preference training set is empty");
        }
        return new Trainer(config, model, List.of(), List.of(), trainPairs, evalPairs, Optional.of(preference));
    }

    /** Training units per epoch: samples, or pairs in preference training. */
    private int trainSize() {
        return preference.isPresent() ? trainPairs.size() : trainSamples.size();
    }

    private int evalSize() {
        return preference.isPresent() ? evalPairs.size() : evalSamples.size();
    }

    /** Optimizer steps per pass over the training set (a short last step closes each epoch). */
    public long stepsPerEpoch() {
        long batches = ceilDiv(trainSize(), config.perDeviceTrainBatchSize());
        return ceilDiv(batches, config.gradientAccumulationSteps());
    }

    /** Optimizer steps of the whole run: {@code max_steps}, else {@code ceil(num_train_epochs × stepsPerEpoch)}. */
    public long totalSteps() {
        return config.maxSteps() > 0 ? config.maxSteps()
                : Math.max(1, (long) Math.ceil(config.numTrainEpochs() * stepsPerEpoch()));
    }

    /** Trains from scratch (the model's current weights). */
    public TrainingResult train(TrainingListener listener, BooleanSupplier cancelRequested) throws IOException {
        return train(listener, cancelRequested, Optional.empty());
    }

    /**
     * Trains, optionally resuming from a {@code checkpoint-<step>} directory written by a run with the same data and
     * settings (see {@link CheckpointStore#latest(Path)} for automatic resume).
     *
     * @param listener        receives logs, evaluations and checkpoint events on this thread
     * @param cancelRequested checked before every step; when true the run writes a checkpoint and returns CANCELLED
     * @param resumeFrom      checkpoint to continue from
     */
    public TrainingResult train(TrainingListener listener, BooleanSupplier cancelRequested, Optional<Path> resumeFrom)
            throws IOException {
        try (GradMode off = GradMode.disabled();
             AsftReference reference = config.lossWeighting().needsReference() ? AsftReference.of(model) : null) {
            asftReference = reference;
            return trainWithAutogradOff(listener, cancelRequested, resumeFrom);
        } finally {
            asftReference = null;
        }
    }

    private TrainingResult trainWithAutogradOff(TrainingListener listener, BooleanSupplier cancelRequested,
                                                Optional<Path> resumeFrom) throws IOException {
        long totalSteps = totalSteps();
        long warmup = LearningRateSchedule.warmupSteps(config.warmupSteps(), config.warmupRatio(), totalSteps);
        LearningRateSchedule schedule = new LearningRateSchedule(config.lrSchedulerType(), config.learningRate(),
                warmup, totalSteps, config.lrSchedulerOptions());
        plateau = config.lrSchedulerType() == SchedulerType.REDUCE_LR_ON_PLATEAU
                ? new ReduceLrOnPlateau(config.learningRate(), config.lrSchedulerOptions()) : null;
        greedy = config.lrSchedulerType() == SchedulerType.GREEDY
                ? new GreedyLr(config.learningRate(), config.lrSchedulerOptions().greedy()) : null;
        model.neftuneNoiseAlpha(config.neftuneNoiseAlpha());
        requireAuxLossGradient();
        model.gradientCheckpointing(config.gradientCheckpointing());
        SequencedMap<String, NDArray> params = model.trainableParameters();
        try (NDManager run = NDManager.newBaseManager();
             ParameterOptimizer optimizer = config.optimizerMethod().create(params, config.optim(), config.adamW(),
                     config.parameterGroups(), this::attentionHeads, run, config.trainableInBf16())) {
            RunState s = new RunState();
            if (resumeFrom.isPresent()) {
                restore(resumeFrom.get(), run, params, optimizer, s);
            }
            if (config.trainableInBf16()) {
                PureBf16.round(params.values());      // the loaded weights as the bf16 model holds them (pure_bf16)
            }
            params.values().forEach(Trainer::zeroGradient);
            listener.onTrainingStarted(new TrainingPlan(totalSteps, s.globalStep, stepsPerEpoch(),
                    trainSize(), evalSize(), warmup, parameterCount(params)));
            Session session = new Session(s.globalStep);
            TrainingStatus status = TrainingStatus.COMPLETED;
            while (s.globalStep < totalSteps) {
                if (cancelRequested.getAsBoolean()) {
                    status = TrainingStatus.CANCELLED;
                    break;
                }
                Engine.getInstance().setRandomSeed((int) DataOrder.mix(config.seed(), s.globalStep));
                double lr = plateau != null ? plateau.learningRate()
                        : greedy != null ? greedy.learningRate() : schedule.learningRate(s.globalStep);
                StepOutcome outcome = trainStep(run, optimizer, params, nextMicroBatches(s), lr);
                requireFinite(outcome, s.globalStep + 1, lr);
                s.globalStep++;
                s.tokensSeen += outcome.inputTokens();
                s.lastLearningRate = lr;
                s.lastLoss = outcome.loss();
                s.bestIsCurrentWeights = false;
                session.record(outcome);
                if (s.globalStep % config.loggingSteps() == 0 || s.globalStep == totalSteps) {
                    listener.onLog(session.log(s, totalSteps, epochProgress(s), outcome.gradNorm(), lr));
                }
                boolean newBest = false;
                long evalInterval = evalInterval();
                if (evalInterval > 0 && s.globalStep % evalInterval == 0 && evalSize() > 0) {
                    newBest = evaluateAndTrack(run, s, listener);
                }
                boolean regularSave = config.saveSteps() > 0 && s.globalStep % config.saveSteps() == 0;
                if (regularSave || (newBest && config.loadBestModelAtEnd())) {
                    saveCheckpoint(s, schedule, params, optimizer, session, newBest, listener);
                }
                if (config.earlyStoppingPatience() > 0 && s.evalsWithoutImprovement >= config.earlyStoppingPatience()) {
                    status = TrainingStatus.EARLY_STOPPED;
                    break;
                }
            }
            if (status == TrainingStatus.CANCELLED) {
                if (s.globalStep > 0 && !s.lastCheckpointStep.equals(Optional.of(s.globalStep))) {
                    saveCheckpoint(s, schedule, params, optimizer, session, false, listener);
                }
            } else {
                finish(run, s, params, listener);
            }
            TrainingResult result = new TrainingResult(status, s.globalStep, totalSteps, s.lastLoss,
                    s.bestEvalLoss == null ? OptionalDouble.empty() : OptionalDouble.of(s.bestEvalLoss),
                    Optional.ofNullable(s.bestCheckpoint).map(name -> config.outputDir().resolve(name)),
                    s.lastCheckpoint, config.outputDir(), session.elapsed(s), s.tokensSeen);
            listener.onTrainingFinished(result);
            return result;
        }
    }

    /** Mean validation loss per target token of {@code samples} with the model's current weights. */
    public EvaluationResult evaluate(List<TokenizedSample> samples) {
        try (GradMode off = GradMode.disabled(); NDManager run = NDManager.newBaseManager()) {
            double[] nllAndTokens = validationNll(run, samples, 0, TrainingListener.NONE);
            double loss = nllAndTokens[0] / nllAndTokens[1];
            return new EvaluationResult(0, 0, loss, Math.exp(loss), (long) nllAndTokens[1], false);
        }
    }

    /** Test hook run between forward and backward (tests force a garbage collection there). */
    void beforeBackward(Runnable hook) {
        this.beforeBackward = hook;
    }

    // ---------------------------------------------------------------- one optimizer step

    private record StepOutcome(double loss, double gradNorm, long inputTokens, long targetTokens,
                               PreferenceMetrics metrics, ExpertLoadMetrics experts) {
    }

    /** One micro-batch: its rows, and for preference training the same rows as pairs (else null). */
    private record MicroBatch(Batch rows, PreferenceBatch pairs) {
    }

    private StepOutcome trainStep(NDManager run, ParameterOptimizer optimizer, SequencedMap<String, NDArray> params,
                                  List<MicroBatch> microBatches, double lr) {
        long targets = microBatches.stream().mapToLong(m -> m.rows().targetTokens()).sum();
        long inputs = microBatches.stream().mapToLong(m -> m.rows().inputTokens()).sum();
        DataType type = model.lossType();
        PreferenceMetrics metrics = new PreferenceMetrics();
        ExpertLoadMetrics experts = new ExpertLoadMetrics();
        try (NDManager step = run.newSubManager()) {
            // preference: the mean over the step's pairs (each batch is B pairs as 2B rows)
            long units = preference.isPresent() ? microBatches.stream().mapToLong(m -> m.pairs().pairs()).sum()
                    : targets;
            NDArray denominator = step.full(new Shape(), (float) Math.max(1, units), type);  // ()
            double loss = 0;
            for (MicroBatch batch : microBatches) {
                if (preference.isPresent()) {
                    loss += preferenceForwardBackward(step, batch.pairs(), denominator, metrics);
                } else if (batch.rows().targetTokens() > 0) {
                    loss += forwardBackward(step, batch.rows(), denominator, microBatches.size(), experts);
                }
            }
            SequencedMap<String, NDArray> grads = gradients(step, params, optimizer);
            double maxNorm = config.optimizerMethod().clipsGradients() ? config.maxGradNorm() : 0.0;
            if (config.trainableInBf16()) {
                PureBf16.round(grads.values());       // a bf16 parameter's gradient is bf16
            }
            double gradNorm = GradientClipping.clipByGlobalNorm(step, grads.values(), maxNorm);
            if (config.trainableInBf16() && maxNorm > 0 && maxNorm / (gradNorm + 1e-6) < 1.0) {
                PureBf16.round(grads.values());       // clipping scaled them: bf16 again, as in-place ops on bf16
            }
            optimizer.step(grads, lr);
            if (config.trainableInBf16()) {
                PureBf16.round(params.values());
                PureBf16.round(optimizer.valueState().values());
            }
            params.values().forEach(Trainer::zeroGradient);
            return new StepOutcome(loss, gradNorm, inputs, targets, metrics, experts);
        }
    }

    /**
     * Gradient checkpointing runs the decoder blocks without autograd and recomputes them block by block in the
     * backward, so the router logits the auxiliary loss is computed from carry no gradient: a mixture of experts
     * trained with an auxiliary-loss coefficient needs checkpointing off (transformers' aux loss trains the routers).
     */
    private void requireAuxLossGradient() {
        if (config.gradientCheckpointing() && model.routerAuxLossCoefficient(config.moeAuxLossCoef()) > 0) {
            throw new TrainingConfigException("moe_aux_loss_coef " + model.routerAuxLossCoefficient(
                    config.moeAuxLossCoef()) + " (or the checkpoint's output_router_logits with router_aux_loss_coef) "
                    + "needs gradient checkpointing off: checkpointed blocks compute the router logits without "
                    + "autograd, so the auxiliary loss would not train the routers; set "
                    + "disable_gradient_checkpointing: true, or moe_aux_loss_coef 0 with output_router_logits false");
        }
    }

    /**
     * Forward and backward of one micro-batch; returns its share of the step's mean loss. A mixture of experts adds
     * coef · aux / micro-batches (transformers adds coef · aux to each forward's loss), aux over the real tokens.
     */
    private double forwardBackward(NDManager step, Batch batch, NDArray denominator, int microBatches,
                                   ExpertLoadMetrics experts) {
        try (NDManager micro = step.newSubManager();
             GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            NDArray inputIds = batch.inputIdsArray(micro);                                   // (B, T)
            CausalLmLoss.Reference reference = asftReference == null ? null
                    : asftReference.forward(micro, inputIds);                                  // before the forward
            NDArray hidden = model.hiddenStates(micro, inputIds, true);                       // (B, T, C)
            NDArray nll = config.lossWeighting() instanceof TokenLossWeighting.Asft asft
                    ? CausalLmLoss.asftSum(micro, hidden, model, reference, batch, config.lossChunkTokens(), asft)
                    : CausalLmLoss.weightedNegativeLogLikelihoodSum(micro, hidden, model, batch,
                            config.lossChunkTokens(), config.lossWeighting());                 // ()
            NDArray share = nll.div(denominator);                                              // ()
            share.attach(micro);
            experts.add(model.expertLoad());
            Optional<NDArray> aux = model.routerAuxiliaryLoss(micro, batch.realTokenMask(micro));   // ()
            if (aux.isPresent()) {
                experts.addAuxLoss(doubleValue(micro, aux.get()));
                double coef = model.routerAuxLossCoefficient(config.moeAuxLossCoef());
                if (coef > 0) {
                    share = share.add(aux.get().mul(coef / microBatches));                     // ()
                    share.attach(micro);
                }
            }
            beforeBackward.run();
            model.backward(collector, share);
            return doubleValue(micro, share);
        }
    }

    /** Forward and backward of B pairs (2B rows); returns their share of the step's mean pair loss. */
    private double preferenceForwardBackward(NDManager step, PreferenceBatch pairs, NDArray denominator,
                                             PreferenceMetrics metrics) {
        PairObjective objective = preference.orElseThrow();
        try (NDManager micro = step.newSubManager();
             GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            PreferenceObjective.PairLosses losses = objective.losses(micro, model, pairs, config.lossChunkTokens(),
                    true);
            NDArray share = losses.losses().sum().div(denominator);                           // ()
            share.attach(micro);
            beforeBackward.run();
            model.backward(collector, share);
            metrics.add(losses);
            return doubleValue(micro, share);
        }
    }

    /** The gradients the optimizer reads now (BAdam: its active block's), attached to {@code step}. */
    private static SequencedMap<String, NDArray> gradients(NDManager step, SequencedMap<String, NDArray> params,
                                                           ParameterOptimizer optimizer) {
        SequencedMap<String, NDArray> grads = new LinkedHashMap<>();
        for (Map.Entry<String, NDArray> e : params.entrySet()) {
            if (!optimizer.readsGradient(e.getKey())) {
                continue;
            }
            NDArray grad = e.getValue().getGradient();
            grad.attach(step);
            optimizer.prepareGradient(e.getKey(), grad);
            grads.put(e.getKey(), grad);
        }
        return grads;
    }

    private static void zeroGradient(NDArray param) {
        JniUtils.zeroGrad((PtNDArray) param);
    }

    // ---------------------------------------------------------------- data position

    /** Up to {@code gradient_accumulation_steps} batches from the current epoch; the epoch's end ends the step. */
    private List<MicroBatch> nextMicroBatches(RunState s) {
        List<MicroBatch> batches = new ArrayList<>();
        int[] order = s.order(config.seed(), trainSize());
        while (batches.size() < config.gradientAccumulationSteps() && s.indexInEpoch < order.length) {
            int end = Math.min(order.length, s.indexInEpoch + config.perDeviceTrainBatchSize());
            if (preference.isPresent()) {
                List<TrainingPair> pairs = new ArrayList<>();
                for (int i = s.indexInEpoch; i < end; i++) {
                    pairs.add(trainPairs.get(order[i]));
                }
                PreferenceBatch batch = PreferenceBatch.collate(pairs, config.padTokenId());
                batches.add(new MicroBatch(batch.rows(), batch));
            } else {
                List<TokenizedSample> samples = new ArrayList<>();
                for (int i = s.indexInEpoch; i < end; i++) {
                    samples.add(trainSamples.get(order[i]));
                }
                batches.add(new MicroBatch(Batch.collate(samples, config.padTokenId()), null));
            }
            s.indexInEpoch = end;
        }
        if (s.indexInEpoch >= order.length) {
            s.epoch++;
            s.indexInEpoch = 0;
        }
        return batches;
    }

    private double epochProgress(RunState s) {
        return s.epoch + (double) s.indexInEpoch / trainSize();
    }

    // ---------------------------------------------------------------- evaluation and best model

    /** Evaluates, emits the result, updates best and early-stopping state; true when this is a new best. */
    private boolean evaluateAndTrack(NDManager run, RunState s, TrainingListener listener) {
        PreferenceMetrics pairMetrics = new PreferenceMetrics();
        double[] nllAndTokens = preference.isPresent() ? validationPreferenceLoss(run, evalPairs, pairMetrics)
                : validationNll(run, evalSamples, s.globalStep, listener);
        double loss = nllAndTokens[0] / nllAndTokens[1];
        boolean improvedBeyondDelta = s.bestEvalLoss == null || s.bestEvalLoss - loss > config.earlyStoppingMinDelta();
        s.evalsWithoutImprovement = improvedBeyondDelta ? 0 : s.evalsWithoutImprovement + 1;
        boolean best = s.bestEvalLoss == null || loss < s.bestEvalLoss;
        if (best) {
            s.bestEvalLoss = loss;
            s.bestIsCurrentWeights = true;
            s.bestCheckpoint = null;
        } else {
            s.bestIsCurrentWeights = false;
        }
        s.lastEvalStep = s.globalStep;
        if (plateau != null) {
            plateau.record(loss);
        }
        if (greedy != null) {
            greedy.record(loss);
        }
        listener.onEvaluation(new EvaluationResult(s.globalStep, epochProgress(s), loss, Math.exp(loss),
                (long) nllAndTokens[1], best, pairMetrics.means()));
        return best;
    }

    /**
     * Steps between two evaluations: {@code eval_steps}, or the steps of one epoch for
     * {@link TrainingConfig#EVAL_EACH_EPOCH}; 0 or less: only at the end.
     */
    long evalInterval() {
        return config.evalSteps() == TrainingConfig.EVAL_EACH_EPOCH ? stepsPerEpoch() : config.evalSteps();
    }

    /** {sum of pair losses, pairs} over the validation pairs, without gradients; their metrics go to {@code metrics}. */
    private double[] validationPreferenceLoss(NDManager run, List<? extends TrainingPair> pairs,
                                              PreferenceMetrics metrics) {
        PairObjective objective = preference.orElseThrow();
        double total = 0;
        for (int i = 0; i < pairs.size(); i += config.perDeviceEvalBatchSize()) {
            PreferenceBatch batch = PreferenceBatch.collate(
                    pairs.subList(i, Math.min(pairs.size(), i + config.perDeviceEvalBatchSize())), config.padTokenId());
            try (NDManager step = run.newSubManager()) {
                PreferenceObjective.PairLosses losses = objective.losses(step, model, batch, config.lossChunkTokens(),
                        false);
                metrics.add(losses);
                total += doubleValue(step, losses.losses().sum());
            }
        }
        return new double[] {total, pairs.size()};
    }

    /**
     * {sum of NLL, target tokens} over the samples, without gradients; the listener hears the samples done after
     * each batch.
     */
    private double[] validationNll(NDManager run, List<TokenizedSample> samples, long globalStep,
                                   TrainingListener listener) {
        double nll = 0;
        long targets = 0;
        for (int i = 0; i < samples.size(); i += config.perDeviceEvalBatchSize()) {
            Batch batch = Batch.collate(samples.subList(i, Math.min(samples.size(), i + config.perDeviceEvalBatchSize())),
                    config.padTokenId());
            if (batch.targetTokens() == 0) {
                continue;
            }
            try (NDManager step = run.newSubManager()) {
                NDArray hidden = model.hiddenStates(step, batch.inputIdsArray(step), false);  // (B, T, C)
                nll += doubleValue(step, CausalLmLoss.negativeLogLikelihoodSum(step, hidden, model,
                        batch, config.lossChunkTokens()));
            }
            targets += batch.targetTokens();
            listener.onEvaluationProgress(globalStep, Math.min(samples.size(), i + config.perDeviceEvalBatchSize()),
                    samples.size());
        }
        if (targets == 0) {
            throw new IllegalArgumentException("The validation set has no target tokens: every label is ignored");
        }
        return new double[] {nll, targets};
    }

    /** Final evaluation, best weights, and the trained artefact in the output directory. */
    private void finish(NDManager run, RunState s, SequencedMap<String, NDArray> params, TrainingListener listener)
            throws IOException {
        if (evalSize() > 0 && s.lastEvalStep != s.globalStep) {
            evaluateAndTrack(run, s, listener);
        }
        if (config.loadBestModelAtEnd() && !s.bestIsCurrentWeights && s.bestCheckpoint != null) {
            try (NDManager scope = run.newSubManager()) {
                copyWeights(params, CheckpointStore.loadTrainable(config.outputDir().resolve(s.bestCheckpoint), scope),
                        s.bestCheckpoint);
            }
        }
        writeTrainedArtefact();
    }

    /** Writes the model's artefact into a temporary directory, then moves each file into the output directory. */
    private void writeTrainedArtefact() throws IOException {
        Files.createDirectories(config.outputDir());
        Path temp = Files.createTempDirectory(config.outputDir(), ".result-");
        try {
            if (config.trainableInBf16()) {
                model.saveTrainedInBf16(temp);
            } else {
                model.saveTrained(temp);
            }
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

    // ---------------------------------------------------------------- checkpoints

    private void saveCheckpoint(RunState s, LearningRateSchedule schedule, SequencedMap<String, NDArray> params,
                                ParameterOptimizer optimizer, Session session, boolean best,
                                TrainingListener listener)
            throws IOException {
        if (best) {
            s.bestCheckpoint = checkpoints.directoryOf(s.globalStep).getFileName().toString();
        }
        TrainerState state = new TrainerState(s.globalStep, schedule.totalSteps(), optimizer.stepCount(), s.epoch,
                s.indexInEpoch, trainSize(), config.perDeviceTrainBatchSize(),
                config.gradientAccumulationSteps(), config.seed(), TrainerState.RNG_SCHEME, s.tokensSeen,
                schedule.type().configName(), schedule.baseLearningRate(), schedule.warmupSteps(), s.lastLearningRate,
                s.bestEvalLoss, s.bestCheckpoint, s.evalsWithoutImprovement, session.elapsed(s).toNanos() / 1e9,
                optimizerName(), plateau == null ? null : plateau.state(), greedy == null ? null : greedy.state());
        Path dir = checkpoints.save(state, params, optimizer.state(), model);
        s.lastCheckpoint = Optional.of(dir);
        s.lastCheckpointStep = Optional.of(s.globalStep);
        checkpoints.rotate(config.saveTotalLimit(),
                Optional.ofNullable(s.bestCheckpoint).map(name -> config.outputDir().resolve(name)));
        listener.onCheckpointSaved(new CheckpointSaved(s.globalStep, dir, best));
    }

    private void restore(Path directory, NDManager run, SequencedMap<String, NDArray> params, ParameterOptimizer optimizer,
                         RunState s) throws IOException {
        try (NDManager scope = run.newSubManager()) {
            CheckpointStore.Loaded loaded = CheckpointStore.load(directory, scope);
            TrainerState state = loaded.state();
            if (state.trainSamples() != trainSize()) {
                throw new IllegalStateException("Checkpoint " + directory + " was written for " + state.trainSamples()
                        + " training samples but this run has " + trainSize()
                        + ": resume only with the same dataset and settings, or start a new run");
            }
            if (state.batchSize() != config.perDeviceTrainBatchSize()
                    || state.accumulationSteps() != config.gradientAccumulationSteps()) {
                throw new IllegalStateException("Checkpoint " + directory + " was written with "
                        + "per_device_train_batch_size " + state.batchSize() + " and gradient_accumulation_steps "
                        + state.accumulationSteps() + "; resume with the same values (this run has "
                        + config.perDeviceTrainBatchSize() + " and " + config.gradientAccumulationSteps() + ")");
            }
            if (state.seed() != config.seed()) {
                throw new IllegalStateException("Checkpoint " + directory + " was written with seed " + state.seed()
                        + "; resume with the same seed (this run has " + config.seed() + ")");
            }
            String optim = state.optim() == null ? "adamw_torch" : state.optim();
            if (!optim.equals(optimizerName())) {
                throw new IllegalStateException("Checkpoint " + directory + " was written with optim " + optim
                        + "; resume with the same optimizer (this run has " + optimizerName() + ")");
            }
            copyWeights(params, loaded.trainable(), directory.toString());
            optimizer.restore(loaded.optimizerState(), state.optimizerSteps());
            if (plateau != null && state.plateau() != null) {
                plateau.restore(state.plateau());
            }
            if (greedy != null && state.greedy() != null) {
                greedy.restore(state.greedy());
            }
            s.globalStep = state.globalStep();
            s.epoch = state.epoch();
            s.indexInEpoch = state.indexInEpoch();
            s.tokensSeen = state.tokensSeen();
            s.lastLearningRate = state.lastLearningRate();
            s.bestEvalLoss = state.bestEvalLoss();
            s.bestCheckpoint = state.bestCheckpoint();
            s.evalsWithoutImprovement = state.evalsWithoutImprovement();
            s.elapsedBefore = Duration.ofNanos((long) (state.elapsedSeconds() * 1e9));
            s.lastCheckpoint = Optional.of(directory);
            s.lastCheckpointStep = Optional.of(state.globalStep());
            s.lastEvalStep = -1;
        }
    }

    /** The optimizer's name in checkpoints: {@code optim}, or the memory-saving method with it (DD032). */
    private String optimizerName() {
        return config.optimizerMethod().checkpointName(config.optim());
    }

    /** Hidden size and query heads of the model, for Adam-mini's head blocks. */
    private AdamMini.Heads attentionHeads() {
        ModelConfig c = model.modelConfig().orElseThrow(() -> new IllegalStateException(
                "use_adam_mini needs a decoder model's hidden_size and num_attention_heads; "
                        + model.getClass().getSimpleName() + " has none"));
        return new AdamMini.Heads(c.hiddenSize(), c.numHeads());
    }

    /** Copies checkpointed weights into the live parameters (same names and shapes required). */
    private static void copyWeights(SequencedMap<String, NDArray> params, Map<String, NDArray> saved, String source) {
        for (Map.Entry<String, NDArray> e : params.entrySet()) {
            NDArray from = saved.get(e.getKey());
            if (from == null) {
                throw new IllegalStateException("Checkpoint " + source + " has no tensor " + e.getKey()
                        + ": it was written for other trainable parameters (method, target modules or rank differ)");
            }
            if (!from.getShape().equals(e.getValue().getShape())) {
                throw new IllegalStateException("Checkpoint " + source + " tensor " + e.getKey() + " has shape "
                        + from.getShape() + ", the model expects " + e.getValue().getShape());
            }
            e.getValue().set(from.toType(e.getValue().getDataType(), false).toByteBuffer());
        }
    }

    // ---------------------------------------------------------------- bookkeeping

    private static void requireFinite(StepOutcome outcome, long step, double lr) {
        if (!Double.isFinite(outcome.loss()) || !Double.isFinite(outcome.gradNorm())) {
            throw new TrainingDivergedException(String.format(java.util.Locale.ROOT,
                    "Training diverged at step %d: loss %s, gradient norm %s (learning rate %.3g). Lower "
                            + "learning_rate, set max_grad_norm (e.g. 1.0), or resume from an earlier checkpoint.",
                    step, outcome.loss(), outcome.gradNorm(), lr));
        }
    }

    private static double doubleValue(NDManager scope, NDArray scalar) {
        NDArray asDouble = scalar.toType(DataType.FLOAT64, false);
        asDouble.attach(scope);
        return asDouble.getDouble();
    }

    private static long parameterCount(SequencedMap<String, NDArray> params) {
        return params.values().stream().mapToLong(p -> p.getShape().size()).sum();
    }

    private static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }

    /** Mutable position of the run (what a checkpoint stores). */
    private static final class RunState {
        long globalStep;
        int epoch;
        int indexInEpoch;
        long tokensSeen;
        double lastLearningRate;
        double lastLoss = Double.NaN;
        Double bestEvalLoss;
        String bestCheckpoint;
        boolean bestIsCurrentWeights;
        int evalsWithoutImprovement;
        long lastEvalStep = -1;
        Duration elapsedBefore = Duration.ZERO;
        Optional<Path> lastCheckpoint = Optional.empty();
        Optional<Long> lastCheckpointStep = Optional.empty();
        private int orderEpoch = -1;
        private int[] order;

        int[] order(long seed, int size) {
            if (orderEpoch != epoch) {
                order = DataOrder.shuffled(seed, epoch, size);
                orderEpoch = epoch;
            }
            return order;
        }
    }

    /** Timing of this process's part of the run and the current logging window. */
    private static final class Session {
        private final long startNanos = System.nanoTime();
        private final long startStep;
        private long windowStartNanos = startNanos;
        private double windowLoss;
        private int windowSteps;
        private long windowTokens;
        private PreferenceMetrics windowMetrics = new PreferenceMetrics();
        private ExpertLoadMetrics windowExperts = new ExpertLoadMetrics();

        Session(long startStep) {
            this.startStep = startStep;
        }

        void record(StepOutcome outcome) {
            windowLoss += outcome.loss();
            windowSteps++;
            windowTokens += outcome.inputTokens();
            windowMetrics.add(outcome.metrics());
            windowExperts.add(outcome.experts());
        }

        Duration elapsed(RunState s) {
            return s.elapsedBefore.plusNanos(System.nanoTime() - startNanos);
        }

        /** The window's preference and mixture-of-experts metrics. */
        private java.util.Map<String, Double> metrics() {
            java.util.Map<String, Double> all = new java.util.LinkedHashMap<>(windowMetrics.means());
            all.putAll(windowExperts.means());
            return all;
        }

        TrainingLog log(RunState s, long totalSteps, double epoch, double gradNorm, double lr) {
            long now = System.nanoTime();
            double windowSeconds = Math.max(1e-9, (now - windowStartNanos) / 1e9);
            long sessionSteps = s.globalStep - startStep;
            double secondsPerStep = (now - startNanos) / 1e9 / Math.max(1, sessionSteps);
            Duration eta = Duration.ofMillis((long) (secondsPerStep * (totalSteps - s.globalStep) * 1000));
            TrainingLog log = new TrainingLog(s.globalStep, totalSteps, epoch, windowLoss / windowSteps, lr, gradNorm,
                    windowTokens / windowSeconds, s.tokensSeen, elapsed(s), eta, metrics());
            windowStartNanos = now;
            windowLoss = 0;
            windowSteps = 0;
            windowTokens = 0;
            windowMetrics = new PreferenceMetrics();
            windowExperts = new ExpertLoadMetrics();
            return log;
        }
    }
}
