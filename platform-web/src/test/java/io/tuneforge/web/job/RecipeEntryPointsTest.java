package io.tuneforge.web.job;

import static java.util.Map.entry;
import static org.assertj.core.api.Assertions.assertThat;

import com.vaadin.browserless.SpringBrowserlessTest;
import com.vaadin.flow.component.HasValue;
import com.vaadin.flow.component.UI;
import com.vaadin.flow.component.checkbox.Checkbox;
import com.vaadin.flow.component.select.Select;
import com.vaadin.flow.component.textfield.TextField;
import io.tuneforge.core.dataset.DatasetService;
import io.tuneforge.core.dataset.VersionDetails;
import io.tuneforge.core.job.FineTuningMethod;
import io.tuneforge.core.job.JobMonitorService;
import io.tuneforge.core.job.JobOverview;
import io.tuneforge.core.model.BaseModelService;
import io.tuneforge.core.team.TeamRepository;
import io.tuneforge.core.user.Actor;
import io.tuneforge.core.user.Role;
import io.tuneforge.core.user.UserAccountService;
import io.tuneforge.shared.recipe.JobRecipe;
import io.tuneforge.shared.recipe.RecipeField;
import io.tuneforge.shared.recipe.RecipeKeys;
import io.tuneforge.shared.recipe.RecipeMethod;
import io.tuneforge.shared.recipe.RecipeSource;
import io.tuneforge.shared.recipe.Section;
import io.tuneforge.trainer.cli.TrainCommand;
import io.tuneforge.trainer.data.encoding.EncodingOptions;
import io.tuneforge.trainer.data.preparation.PreparationOptions;
import io.tuneforge.trainer.model.FineTuning;
import io.tuneforge.trainer.model.Precision;
import io.tuneforge.trainer.model.lora.LoraConfig;
import io.tuneforge.trainer.model.lora.Pissa;
import io.tuneforge.trainer.recipe.RecipeMapping;
import io.tuneforge.trainer.training.TokenLossWeighting;
import io.tuneforge.trainer.training.optim.ApolloAdamW;
import io.tuneforge.trainer.training.optim.GaLoreAdamW;
import io.tuneforge.trainer.training.optim.OptimizerMethod;
import io.tuneforge.trainer.training.TrainingConfig;
import io.tuneforge.web.api.ApiTokenService;
import io.tuneforge.web.testing.SignedIn;
import io.tuneforge.web.testing.Workspace;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Every recipe key means the same through all four entry points: a LLaMA-Factory YAML file as {@code train} reads
 * it, the REST {@code hyperparameters}, the New job form, and the worker's mapping of a stored job onto the engine.
 * One table gives each key a value other than its default; the same value must come out of every entry point, and
 * with nothing given every entry point must give the recipe's default.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class RecipeEntryPointsTest extends SpringBrowserlessTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** A value for every key the recipe reads (paths aside), each different from its default. */
    static final Map<String, Object> SAMPLES = samples();

    private static Map<String, Object> samples() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("bf16", true); // runs on any CPU in tests (tuneforge.bf16.allow-emulated, see Bf16Support)
        m.put("flash_attn", "sdpa");
        m.put("quantization_bit", 4); // LoRA only: checked through the LoRA job (see QUANTIZATION)
        m.put("quantization_method", "bnb"); // the one allowed value
        m.put("quantization_type", "fp4");
        m.put("double_quantization", false);
        m.put("disable_gradient_checkpointing", true);
        m.put("pure_bf16", true); // the freeze job: its trained weights kept at bf16 precision (DD040)
        m.put("stage", "sft"); // the default: the workspace's identity data is supervised (dpo/rm need pairs, pt text)
        m.put("do_train", true); // the one allowed value for a platform job
        m.put("do_predict", false); // the defaults: a prediction run (do_train false) is the CLI's, not a job,
        m.put("predict_with_generate", false); // and the form has no field for either (TrainCommandTest runs them)
        m.put("finetuning_type", "freeze");
        m.put("lora_rank", 16);
        m.put("lora_alpha", 8.0);
        m.put("lora_dropout", 0.05);
        m.put("lora_target", "q_proj,v_proj");
        m.put("use_rslora", true);
        m.put("use_dora", true);
        m.put("loraplus_lr_ratio", 16.0);
        m.put("pissa_init", true);
        m.put("pissa_iter", 4);
        m.put("pissa_convert", true);
        m.put("create_new_adapter", true);
        m.put("additional_target", "norm,lm_head");
        m.put("freeze_trainable_layers", 1);
        m.put("freeze_trainable_modules", "mlp");
        m.put("use_llama_pro", true); // 1 block of N: the last layer, as without it
        m.put("freeze_extra_modules", "norm");
        m.put("num_virtual_tokens", 8);
        m.put("prefix_projection", true);
        m.put("encoder_hidden_size", 64);
        m.put("adapter_reduction_factor", 8.0);
        m.put("adapter_placement", "houlsby");
        m.put("adapter_non_linearity", "gelu");
        m.put("oft_rank", 4);
        m.put("oft_block_size", 0);
        m.put("oft_target", "q_proj,down_proj");
        m.put("module_dropout", 0.25);
        m.put("pref_beta", 0.5);
        m.put("pref_ftx", 0.2);
        m.put("pref_loss", "hinge");
        m.put("simpo_gamma", 1.0);
        m.put("dpo_label_smoothing", 0.0); // the default: label smoothing needs pref_loss sigmoid
        m.put("kto_chosen_weight", 1.5);
        m.put("kto_rejected_weight", 0.75);
        m.put("ppo_epochs", 2);
        m.put("ppo_buffer_size", 3);
        m.put("ppo_target", 3.5);
        m.put("ppo_score_norm", true);
        m.put("ppo_whiten_rewards", true);
        m.put("do_sample", false);
        m.put("temperature", 0.5);
        m.put("top_p", 0.9);
        m.put("top_k", 10);
        m.put("max_new_tokens", 64);
        m.put("repetition_penalty", 1.1);
        m.put("reward_model", "7"); // stage ppo's reward-model job; other stages ignore it (DD037)
        m.put("template", "alpaca");
        m.put("cutoff_len", 512);
        m.put("max_samples", 1000);
        m.put("val_size", 0.1);
        m.put("train_on_prompt", true);
        m.put("packing", true);
        m.put("task_type", "causal_lm"); // the default: a classification head needs classification data (and no packing)
        m.put("learning_rate", 1.0e-4);
        m.put("num_train_epochs", 2.0);
        m.put("max_steps", 7);
        m.put("per_device_train_batch_size", 4);
        m.put("gradient_accumulation_steps", 2);
        m.put("lr_scheduler_type", "cosine_with_restarts");
        m.put("lr_scheduler_kwargs", "{\"num_cycles\":3}");
        m.put("optim", "adafactor");
        // memory-saving optimizers (DD032): each use_* needs optim adamw_torch, so they stay off here; their settings
        // are read all the same
        m.put("use_galore", false);
        m.put("galore_target", "q_proj,v_proj");
        m.put("galore_rank", 8);
        m.put("galore_update_interval", 100);
        m.put("galore_scale", 0.25);
        m.put("galore_proj_type", "std");
        m.put("galore_layerwise", true);
        m.put("use_apollo", false);
        m.put("apollo_target", "mlp");
        m.put("apollo_rank", 64);
        m.put("apollo_update_interval", 50);
        m.put("apollo_scale", 16.0);
        m.put("apollo_proj", "svd");
        m.put("apollo_proj_type", "std");
        m.put("apollo_scale_type", "tensor");
        m.put("apollo_layerwise", true);
        m.put("use_badam", false);
        m.put("badam_mode", "ratio");
        m.put("badam_switch_mode", "descending");
        m.put("badam_switch_interval", 10);
        m.put("badam_start_block", 1);
        m.put("badam_update_ratio", 0.2);
        m.put("badam_mask_mode", "scatter");
        m.put("use_adam_mini", false);
        m.put("use_muon", false);
        m.put("neftune_noise_alpha", 5.0);
        m.put("moe_aux_loss_coef", 0.01);
        m.put("use_dft_loss", true);
        m.put("use_eaft_loss", true);
        m.put("eaft_alpha", 0.5);
        m.put("use_asft_loss", false); // the default: ASFT is refused beside DFT and EAFT (its alpha is checked alone)
        m.put("asft_alpha", 0.3);
        m.put("warmup_steps", 3);
        m.put("warmup_ratio", 0.1);
        m.put("max_grad_norm", 0.5);
        m.put("weight_decay", 0.01);
        m.put("adam_beta1", 0.8);
        m.put("adam_beta2", 0.99);
        m.put("adam_epsilon", 1.0e-6);
        m.put("seed", 7);
        m.put("per_device_eval_batch_size", 3);
        m.put("eval_steps", 5);
        m.put("early_stopping_steps", 2);
        m.put("early_stopping_threshold", 0.01);
        m.put("load_best_model_at_end", true);
        m.put("logging_steps", 2);
        m.put("save_steps", 4);
        m.put("save_total_limit", 2);
        m.put("merge_dtype", "bfloat16");
        m.put("predict_samples", 3);
        m.put("predict_max_new_tokens", 32);
        m.put("export_gguf", "q8_0");
        return m;
    }

    /** Where the worker's engine configuration holds each key (what {@link RecipeMapping} produced). */
    static final Map<String, Function<Mapped, Object>> ENGINE = Map.ofEntries(
            entry("bf16", m -> RecipeMapping.precision(m.recipe()) == Precision.BF16),
            entry("flash_attn", m -> m.recipe().model().flashAttn()),
            entry("quantization_bit", m -> RecipeMapping.quantization(m.recipe()).enabled()
                    ? (long) RecipeMapping.quantization(m.recipe()).bits() : null),
            entry("quantization_method", m -> m.recipe().model().quantizationMethod()),
            entry("quantization_type", m -> RecipeMapping.quantization(m.recipe()).type().name().toLowerCase()),
            entry("double_quantization", m -> RecipeMapping.quantization(m.recipe()).doubleQuantization()),
            entry("disable_gradient_checkpointing", m -> !m.training().gradientCheckpointing()),
            entry("pure_bf16", m -> m.training().trainableInBf16()),
            entry("stage", m -> "sft"),
            entry("do_train", m -> true),
            // read by train --config's prediction run (PredictRun), which a job never is
            entry("do_predict", m -> m.recipe().evaluation().doPredict()),
            entry("predict_with_generate", m -> m.recipe().evaluation().predictWithGenerate()),
            entry("finetuning_type", m -> switch (m.fineTuning()) {
                case FineTuning.Lora lora -> "lora";
                case FineTuning.Freeze freeze -> "freeze";
                case FineTuning.Full full -> "full";
                case FineTuning.Prefix prefix -> "prefix";
                case FineTuning.Bottleneck adapter -> "adapter";
                case FineTuning.Oft oft -> "oft";
                case FineTuning.None none -> "none";
            }),
            entry("use_dft_loss", m -> m.training().lossWeighting() instanceof TokenLossWeighting.Dft),
            entry("use_galore", m -> m.training().optimizerMethod() instanceof OptimizerMethod.GaLore),
            entry("galore_target", m -> String.join(",", galore(m).targets())),
            entry("galore_rank", m -> (long) galore(m).rank()),
            entry("galore_update_interval", m -> (long) galore(m).updateInterval()),
            entry("galore_scale", m -> galore(m).scale()),
            entry("galore_proj_type", m -> "std"),
            entry("galore_layerwise", m -> galore(m).layerwise()),
            entry("use_apollo", m -> m.training().optimizerMethod() instanceof OptimizerMethod.Apollo),
            entry("apollo_target", m -> String.join(",", apollo(m).targets())),
            entry("apollo_rank", m -> (long) apollo(m).rank()),
            entry("apollo_update_interval", m -> (long) apollo(m).updateInterval()),
            entry("apollo_scale", m -> apollo(m).scale()),
            entry("apollo_proj", m -> apollo(m).projection().name().toLowerCase()),
            entry("apollo_proj_type", m -> "std"),
            entry("apollo_scale_type", m -> apollo(m).scaleType().name().toLowerCase()),
            entry("apollo_layerwise", m -> apollo(m).layerwise()),
            entry("use_badam", m -> m.training().optimizerMethod() instanceof OptimizerMethod.BAdam),
            entry("badam_mode", m -> m.recipe().optimization().memoryOptimizers().badamMode()),
            entry("badam_switch_mode", m -> RecipeMapping.badamSettings(m.recipe()).switchMode().configName()),
            entry("badam_switch_interval", m -> (long) RecipeMapping.badamSettings(m.recipe()).switchInterval()),
            entry("badam_start_block", m -> RecipeMapping.badamSettings(m.recipe()).startBlock().isPresent()
                    ? (Object) (long) RecipeMapping.badamSettings(m.recipe()).startBlock().getAsInt() : null),
            entry("badam_update_ratio", m -> RecipeMapping.badamRatioSettings(m.recipe()).updateRatio()),
            entry("badam_mask_mode", m -> RecipeMapping.badamRatioSettings(m.recipe()).maskMode().configName()),
            entry("use_adam_mini", m -> m.training().optimizerMethod() instanceof OptimizerMethod.AdamMiniMethod),
            entry("use_muon", m -> m.training().optimizerMethod() instanceof OptimizerMethod.MuonMethod),
            // DFT wins when both are on: EAFT's keys are checked on the same job without DFT
            entry("use_eaft_loss", m -> withoutDft(m) instanceof TokenLossWeighting.Eaft),
            entry("use_asft_loss", m -> m.training().lossWeighting() instanceof TokenLossWeighting.Asft),
            entry("asft_alpha", m -> asftAlone(m).alpha()),
            entry("eaft_alpha", m -> withoutDft(m) instanceof TokenLossWeighting.Eaft e ? e.alpha()
                    : m.recipe().optimization().eaftAlpha()),
            entry("lora_rank", m -> (long) m.lora().rank()),
            entry("lora_alpha", m -> m.lora().alpha()),
            entry("lora_dropout", m -> m.lora().dropout()),
            entry("lora_target", m -> modules(m.lora().targetModules(), RecipeMethod.LINEAR_MODULES)),
            entry("use_rslora", m -> m.lora().useRslora()),
            entry("use_dora", m -> m.lora().useDora()),
            entry("loraplus_lr_ratio", m -> {
                // like the freeze keys: what the same job would train with as LoRA, whatever its method
                // (bf16 and pure_bf16 off: the sample's use_dora is refused beside them for LoRA)
                double ratio = RecipeMapping.trainingConfig(m.recipe().with(Map.of("finetuning_type", "lora",
                        "bf16", false, "pure_bf16", false), RecipeSource.STORED), Path.of("out")).loraPlusLrRatio();
                return ratio > 0 ? ratio : null;
            }),
            entry("pissa_init", m -> m.lora().isPissa()),
            entry("pissa_iter", m -> (long) (m.lora().isPissa() ? Pissa.iterations(m.lora().initLoraWeights())
                    : m.recipe().method().lora().pissaIter())),
            entry("pissa_convert", m -> ((FineTuning.Lora) RecipeMapping.fineTuning(m.recipe().with(Map.of(
                    "finetuning_type", "lora", "bf16", false, "pure_bf16", false), RecipeSource.STORED)))
                    .convertPissa()),
            // read by train when it loads adapter_name_or_path (TrainCommand.withNewAdapter)
            entry("create_new_adapter", m -> m.recipe().method().lora().createNewAdapter()),
            entry("additional_target", m -> m.lora().modulesToSave().isEmpty() ? null
                    : String.join(",", m.lora().modulesToSave())),
            entry("oft_rank", m -> (long) RecipeMapping.oftConfig(m.recipe().method().oft()).rank()),
            entry("oft_block_size", m -> (long) RecipeMapping.oftConfig(m.recipe().method().oft()).blockSize()),
            entry("oft_target", m -> modules(RecipeMapping.oftConfig(m.recipe().method().oft()).targetModules(),
                    RecipeMethod.LINEAR_MODULES)),
            entry("module_dropout", m -> RecipeMapping.oftConfig(m.recipe().method().oft()).moduleDropout()),
            entry("freeze_trainable_layers", m -> (long) m.freeze().trainableLayers()),
            entry("freeze_trainable_modules", m -> modules(m.freeze().trainableModules(), RecipeMethod.FREEZE_MODULES)),
            entry("use_llama_pro", m -> m.freeze().llamaPro()),
            entry("freeze_extra_modules", m -> m.freeze().extraModules().isEmpty() ? null
                    : String.join(",", m.freeze().extraModules())),
            // like LoRA's keys: what the same job would train with as prefix tuning / bottleneck adapters
            entry("num_virtual_tokens", m -> (long) RecipeMapping.prefixConfig(m.recipe().method().prefix())
                    .numVirtualTokens()),
            entry("prefix_projection", m -> RecipeMapping.prefixConfig(m.recipe().method().prefix()).prefixProjection()),
            entry("encoder_hidden_size", m -> {
                int e = RecipeMapping.prefixConfig(m.recipe().method().prefix()).encoderHiddenSize();
                return e == 0 ? null : (long) e;                                 // 0: the model's token_dim
            }),
            entry("adapter_reduction_factor", m -> RecipeMapping.bottleneckConfig(m.recipe().method().adapter())
                    .reductionFactor()),
            entry("adapter_placement", m -> RecipeMapping.bottleneckConfig(m.recipe().method().adapter()).placement()
                    .key()),
            entry("adapter_non_linearity", m -> RecipeMapping.bottleneckConfig(m.recipe().method().adapter())
                    .nonLinearity().key()),
            entry("pref_beta", m -> RecipeMapping.preference(m.recipe()).beta()),
            entry("pref_ftx", m -> RecipeMapping.preference(m.recipe()).ftx()),
            entry("pref_loss", m -> RecipeMapping.preference(m.recipe()).loss().configName()),
            entry("simpo_gamma", m -> RecipeMapping.preference(m.recipe()).simpoGamma()),
            entry("dpo_label_smoothing", m -> RecipeMapping.preference(m.recipe()).labelSmoothing()),
            entry("kto_chosen_weight", m -> RecipeMapping.kto(m.recipe()).desirableWeight()),
            entry("kto_rejected_weight", m -> RecipeMapping.kto(m.recipe()).undesirableWeight()),
            entry("ppo_epochs", m -> (long) RecipeMapping.ppo(m.recipe()).ppoEpochs()),
            entry("ppo_buffer_size", m -> (long) RecipeMapping.ppo(m.recipe()).bufferSize()),
            entry("ppo_target", m -> RecipeMapping.ppo(m.recipe()).target()),
            entry("ppo_score_norm", m -> RecipeMapping.ppo(m.recipe()).scoreNorm()),
            entry("ppo_whiten_rewards", m -> RecipeMapping.ppo(m.recipe()).whitenRewards()),
            // read by stage ppo's rollouts and prediction runs; the sampling keys as the same job samples with them
            entry("do_sample", m -> RecipeMapping.generation(m.recipe(), Integer.MAX_VALUE).temperature() > 0),
            entry("temperature", m -> sampling(m).temperature()),
            entry("top_p", m -> sampling(m).topP()),
            entry("top_k", m -> (long) sampling(m).topK()),
            entry("max_new_tokens", m -> (long) RecipeMapping.generation(m.recipe(), Integer.MAX_VALUE).maxNewTokens()),
            entry("repetition_penalty", m -> RecipeMapping.generation(m.recipe(), Integer.MAX_VALUE).repetitionPenalty()),
            // the worker resolves the job id to the reward model's files (ClaimedJobs, JobSpec.rewardModel)
            entry("reward_model", m -> m.recipe().preference().ppo().rewardModel().orElse(null)),
            entry("template", m -> m.recipe().data().template().orElse("auto")),
            entry("cutoff_len", m -> (long) m.encoding().cutoffLen()),
            entry("max_samples", m -> m.preparation().maxSamples().map(Integer::longValue).orElse(null)),
            entry("val_size", m -> m.preparation().valSize().fraction()),
            entry("train_on_prompt", m -> m.encoding().trainOnPrompt()),
            entry("packing", m -> m.encoding().packing()),
            entry("task_type", m -> m.recipe().data().taskType()),
            entry("learning_rate", m -> m.training().learningRate()),
            entry("num_train_epochs", m -> m.training().numTrainEpochs()),
            entry("max_steps", m -> m.training().maxSteps() > 0 ? m.training().maxSteps() : null),
            entry("per_device_train_batch_size", m -> (long) m.training().perDeviceTrainBatchSize()),
            entry("gradient_accumulation_steps", m -> (long) m.training().gradientAccumulationSteps()),
            entry("lr_scheduler_type", m -> m.training().lrSchedulerType().configName()),
            entry("lr_scheduler_kwargs", m -> m.training().lrSchedulerOptions().numCycles().isPresent()
                    ? "{\"num_cycles\":" + (long) m.training().lrSchedulerOptions().numCycles().getAsDouble() + "}"
                    : null),
            entry("optim", m -> m.training().optim().configName()),
            entry("neftune_noise_alpha", m -> m.training().neftuneNoiseAlpha()),
            entry("moe_aux_loss_coef", m -> m.training().moeAuxLossCoef()),
            entry("warmup_steps", m -> (long) m.training().warmupSteps()),
            entry("warmup_ratio", m -> m.training().warmupRatio()),
            entry("max_grad_norm", m -> m.training().maxGradNorm()),
            entry("weight_decay", m -> m.training().weightDecay()),
            entry("adam_beta1", m -> m.training().adamBeta1()),
            entry("adam_beta2", m -> m.training().adamBeta2()),
            entry("adam_epsilon", m -> m.training().adamEpsilon()),
            entry("seed", m -> m.training().seed()),
            entry("per_device_eval_batch_size", m -> (long) m.training().perDeviceEvalBatchSize()),
            entry("eval_steps", m -> (long) m.training().evalSteps()),
            entry("early_stopping_steps", m -> m.training().earlyStoppingPatience() > 0
                    ? (long) m.training().earlyStoppingPatience() : null),
            entry("early_stopping_threshold", m -> m.training().earlyStoppingMinDelta()),
            entry("load_best_model_at_end", m -> m.training().loadBestModelAtEnd()),
            entry("logging_steps", m -> (long) m.training().loggingSteps()),
            entry("save_steps", m -> (long) m.training().saveSteps()),
            entry("save_total_limit", m -> m.training().saveTotalLimit() > 0 ? (long) m.training().saveTotalLimit()
                    : null),
            entry("merge_dtype", m -> RecipeMapping.mergeDtype(m.recipe()).map(dtype -> switch (dtype) {
                case F32 -> "float32";
                case BF16 -> "bfloat16";
                case F16 -> "float16";
                default -> "other";
            }).orElse("auto")),
            entry("predict_samples", m -> (long) m.recipe().outputs().predictSamples()),
            entry("predict_max_new_tokens", m -> (long) m.recipe().outputs().predictMaxNewTokens()),
            entry("export_gguf", m -> RecipeMapping.exportGguf(m.recipe()).map(t -> t.name().toLowerCase())
                    .orElse("none")));

    /** Keys refused beside finetuning_type freeze (a quantized base only takes LoRA): checked through a LoRA job. */
    static final List<String> QUANTIZATION = List.of("quantization_bit", "quantization_method", "quantization_type",
            "double_quantization");

    /** The samples without the LoRA-only quantization keys (the freeze job). */
    private static Map<String, Object> withoutQuantization(Map<String, Object> samples) {
        Map<String, Object> out = new LinkedHashMap<>(samples);
        QUANTIZATION.forEach(out::remove);
        return out;
    }

    /** GaLore's settings the worker reads from the job. */
    private static GaLoreAdamW.Settings galore(Mapped m) {
        return RecipeMapping.galoreSettings(m.recipe().optimization().memoryOptimizers());
    }

    /** APOLLO's settings the worker reads from the job. */
    private static ApolloAdamW.Settings apollo(Mapped m) {
        return RecipeMapping.apolloSettings(m.recipe().optimization().memoryOptimizers());
    }

    /** The loss weighting the same job trains with when use_dft_loss is off. */
    private static TokenLossWeighting withoutDft(Mapped m) {
        return RecipeMapping.trainingConfig(m.recipe().with(Map.of("use_dft_loss", false), RecipeSource.STORED),
                Path.of("out")).lossWeighting();
    }

    /** The sampling of the same job with do_sample on. */
    private static io.tuneforge.trainer.generate.GenerationConfig sampling(Mapped m) {
        return RecipeMapping.generation(m.recipe().with(Map.of("do_sample", true), RecipeSource.STORED),
                Integer.MAX_VALUE);
    }

    /** ASFT as the same job trains with it when DFT and EAFT are off and ASFT on. */
    private static TokenLossWeighting.Asft asftAlone(Mapped m) {
        return (TokenLossWeighting.Asft) RecipeMapping.trainingConfig(m.recipe().with(Map.of("use_dft_loss", false,
                "use_eaft_loss", false, "use_asft_loss", true), RecipeSource.STORED), Path.of("out")).lossWeighting();
    }

    /** A module list as the recipe spells it: "all" for every module. */
    private static String modules(List<String> chosen, List<String> all) {
        return chosen.equals(all) ? "all" : String.join(",", chosen);
    }

    /**
     * What the worker builds from a stored job; {@code freeze} is what the same job would freeze-tune with, so the
     * freeze keys are checked whatever the job's method (as {@code lora} is for the LoRA keys).
     */
    record Mapped(JobRecipe recipe, TrainingConfig training, FineTuning fineTuning, LoraConfig lora,
            FineTuning.Freeze freeze, PreparationOptions preparation, EncodingOptions encoding) {

        static Mapped of(String storedJson) {
            JobRecipe recipe = JobRecipe.read(JSON.readValue(storedJson, Map.class), RecipeSource.STORED);
            Map<String, Object> asFreeze = new java.util.HashMap<>();
            asFreeze.put("finetuning_type", "freeze");
            asFreeze.put("quantization_bit", null); // a quantized base takes LoRA only
            FineTuning.Freeze freeze = (FineTuning.Freeze) RecipeMapping.fineTuning(
                    recipe.with(asFreeze, RecipeSource.STORED));
            return new Mapped(recipe, RecipeMapping.trainingConfig(recipe, Path.of("out")),
                    RecipeMapping.fineTuning(recipe), RecipeMapping.loraConfig(recipe.method().lora()), freeze,
                    RecipeMapping.preparation(recipe), RecipeMapping.encoding(recipe));
        }
    }

    @LocalServerPort
    int port;
    @Autowired
    UserAccountService accounts;
    @Autowired
    TeamRepository teams;
    @Autowired
    BaseModelService models;
    @Autowired
    DatasetService datasets;
    @Autowired
    JobMonitorService monitor;
    @Autowired
    ApiTokenService tokens;
    @TempDir
    Path dir;

    Actor actor;
    String modelName;
    VersionDetails data;

    @BeforeEach
    void workspace() {
        actor = SignedIn.as(Role.MEMBER, accounts, teams);
        modelName = Workspace.stories(models, actor).name();
        data = Workspace.identity(datasets, actor);
        Workspace.preferencePairs(datasets, actor);
    }

    @AfterEach
    void signOut() {
        SignedIn.signOut();
    }

    @Test
    void theTableGivesEveryRecipeKeyAValueOtherThanItsDefault() {
        List<String> keys = RecipeKeys.FIELDS.stream().filter(f -> !f.pathKey()).map(RecipeField::key).toList();

        assertThat(SAMPLES.keySet()).containsExactlyInAnyOrderElementsOf(keys);
        assertThat(ENGINE.keySet()).containsExactlyInAnyOrderElementsOf(keys);
        for (RecipeField field : RecipeKeys.FIELDS) {
            if (!field.pathKey() && field.choices().size() != 1
                    && !List.of("do_train", "stage", "dpo_label_smoothing", "task_type", "use_galore", "use_apollo",
                            "use_badam", "use_adam_mini", "use_muon", "use_asft_loss", "do_predict", "predict_with_generate").contains(field.key())) {
                assertThat(expected(field.key())).as(field.key()).isNotEqualTo(field.defaultValue().orElse(null));
            }
        }
    }

    @Test
    void everyKeyHasTheSameEffectiveValueThroughYamlRestTheFormAndTheWorker() throws Exception {
        Map<String, Object> yaml = viaYaml(withoutQuantization(SAMPLES));
        Map<String, Object> rest = effective(viaRest(withoutQuantization(SAMPLES)));
        // the form sends the settings of the chosen method only: LoRA's keys go through a LoRA job
        Map<String, Object> loraSamples = new LinkedHashMap<>(SAMPLES);
        loraSamples.put("finetuning_type", "lora");
        loraSamples.put("bf16", false); // DoRA is refused beside bf16 for LoRA (bf16 is checked through the freeze job)
        loraSamples.put("pure_bf16", false); // likewise
        Map<String, Object> formFreeze = effective(viaForm(withoutQuantization(SAMPLES)));
        // PiSSA is refused beside a quantized base: the quantization keys go through a LoRA job without PiSSA
        Map<String, Object> quantizedLora = new LinkedHashMap<>(loraSamples);
        List.of("pissa_init", "pissa_iter", "pissa_convert").forEach(quantizedLora::remove);
        Map<String, Object> formLora = effective(viaForm(withoutQuantization(loraSamples)));
        Map<String, Object> formQuantized = effective(viaForm(quantizedLora));
        // the form sends the preference settings for stage dpo only, which trains on preference pairs
        Map<String, Object> dpoSamples = new LinkedHashMap<>(withoutQuantization(SAMPLES));
        dpoSamples.put("stage", "dpo");
        Map<String, Object> formDpo = effective(viaForm(dpoSamples));
        Map<String, Object> prefixSamples = new LinkedHashMap<>(withoutQuantization(SAMPLES));
        prefixSamples.put("finetuning_type", "prefix");
        Map<String, Object> formPrefix = effective(viaForm(prefixSamples));
        Map<String, Object> adapterSamples = new LinkedHashMap<>(withoutQuantization(SAMPLES));
        adapterSamples.put("finetuning_type", "adapter");
        Map<String, Object> formAdapter = effective(viaForm(adapterSamples));
        Map<String, Object> oftSamples = new LinkedHashMap<>(withoutQuantization(SAMPLES));
        oftSamples.put("finetuning_type", "oft");
        Map<String, Object> formOft = effective(viaForm(oftSamples));
        Mapped worker = Mapped.of(viaRest(withoutQuantization(SAMPLES)));
        // quantization is refused beside freeze: its keys go through the LoRA job in every entry point
        Map<String, Object> yamlLora = viaYaml(quantizedLora);
        Map<String, Object> restLora = effective(viaRest(quantizedLora));
        Mapped workerLora = Mapped.of(viaRest(quantizedLora));

        for (String key : SAMPLES.keySet()) {
            Object expected = expected(key);
            boolean lora = QUANTIZATION.contains(key);
            Map<String, Object> form = switch (RecipeKeys.field(key).orElseThrow().section()) {
                case LORA -> lora ? formQuantized : formLora;
                case PREFIX -> formPrefix;
                case ADAPTER -> formAdapter;
                case PREFERENCE -> formDpo;
                case OFT -> formOft;
                default -> formFreeze;
            };
            assertThat((lora ? yamlLora : yaml).get(key)).as("YAML " + key).isEqualTo(expected);
            assertThat((lora ? restLora : rest).get(key)).as("REST " + key).isEqualTo(expected);
            assertThat(form.get(key)).as("form " + key).isEqualTo(expected);
            assertThat(ENGINE.get(key).apply(lora ? workerLora : worker)).as("worker " + key).isEqualTo(expected);
        }
    }

    @Test
    void withNothingGivenEveryEntryPointUsesTheRecipeDefaults() throws Exception {
        Map<String, Object> defaults = JobRecipe.defaults().effectiveValues();
        Map<String, Object> yaml = viaYaml(Map.of());
        Map<String, Object> rest = effective(viaRest(Map.of()));
        Map<String, Object> form = effective(viaForm(Map.of()));
        Mapped worker = Mapped.of(viaRest(Map.of()));

        for (String key : SAMPLES.keySet()) {
            Object expected = defaults.get(key);
            assertThat(yaml.get(key)).as("YAML " + key).isEqualTo(expected);
            assertThat(rest.get(key)).as("REST " + key).isEqualTo(expected);
            Object formExpected = RecipeKeys.field(key).orElseThrow().formValue()
                    .map(text -> RecipeKeys.field(key).orElseThrow().parse(text, RecipeSource.FORM).orElseThrow())
                    .orElse(expected); // a visible pre-fill of the form (the 8:2 validation split)
            assertThat(form.get(key)).as("form " + key).isEqualTo(formExpected);
            if (!key.equals("eval_steps")) { // unset: the worker evaluates once per epoch
                assertThat(ENGINE.get(key).apply(worker)).as("worker " + key).isEqualTo(expected);
            }
        }
        assertThat(ENGINE.get("eval_steps").apply(worker)).isEqualTo((long) TrainingConfig.EVAL_EACH_EPOCH);
    }

    /** The value a key must have after any entry point: the sample as the recipe types it. */
    private static Object expected(String key) {
        return RecipeKeys.field(key).orElseThrow().parse(SAMPLES.get(key), RecipeSource.FORM).orElseThrow();
    }

    /** {@code train --config}: the values written as a YAML file, read back as the CLI reads it. */
    private Map<String, Object> viaYaml(Map<String, Object> values) throws Exception {
        StringBuilder text = new StringBuilder("model_name_or_path: models/stories\ndataset: identity\n");
        values.forEach((key, value) -> text.append(key).append(": ").append(value).append('\n'));
        Path file = Files.writeString(dir.resolve("train.yaml"), text);
        return JobRecipe.read(TrainCommand.readYaml(file), RecipeSource.YAML).effectiveValues();
    }

    /** {@code POST /api/v1/fine_tuning/jobs}: the job's stored configuration as {@code GET} shows it. */
    private String viaRest(Map<String, Object> values) throws Exception {
        String token = tokens.create(actor, "entry-points", Optional.empty()).token();
        Map<String, Object> body = Map.of("model", modelName, "training_file", data.id(), "hyperparameters", values);
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> created = http.send(HttpRequest.newBuilder(uri("/api/v1/fine_tuning/jobs"))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body), StandardCharsets.UTF_8))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        long id = JSON.readTree(created.body()).path("id").asLong();
        HttpResponse<String> read = http.send(HttpRequest.newBuilder(uri("/api/v1/fine_tuning/jobs/" + id))
                .header("Authorization", "Bearer " + token).GET().build(), HttpResponse.BodyHandlers.ofString());
        JsonNode hyperparameters = JSON.readTree(read.body()).path("hyperparameters");
        return JSON.writeValueAsString(hyperparameters);
    }

    /** The New job form: each value typed as text (or chosen) in its field, then Launch. */
    private String viaForm(Map<String, Object> values) {
        NewJobView view = navigate(NewJobView.class);
        test(view.name).setValue("entry points " + values.size());
        test(view.model).selectItem(view.model.getListDataView().getItem(0).name() + " (LlamaForCausalLM)");
        if (values.containsKey("stage")) {
            view.stage.setValue(values.get("stage").toString()); // first: it lists the datasets the stage trains on
        }
        view.data.setValue(view.data.getListDataView().getItems().toList());
        values.forEach((key, value) -> {
            if (key.equals("finetuning_type")) {
                view.method.setValue(FineTuningMethod.valueOf(value.toString().toUpperCase()));
            } else if (TrainSettingsForm.rendered(RecipeKeys.field(key).orElseThrow())) {
                enter(view.settings.field(key), value);
            }
        });
        test(view.launch).click();
        List<JobOverview> jobs = monitor.list(actor);
        assertThat(UI.getCurrent().getInternals().getActiveViewLocation().getPath()).startsWith("jobs/");
        return jobs.getFirst().configJson();
    }

    @SuppressWarnings("unchecked")
    private static void enter(HasValue<?, ?> input, Object value) {
        switch (input) {
            case TextField text -> text.setValue(value.toString());
            case Checkbox box -> box.setValue((Boolean) value);
            case Select<?> select -> ((Select<String>) select).setValue(value.toString());
            default -> throw new AssertionError("no way to enter " + value + " in " + input);
        }
    }

    private static Map<String, Object> effective(String storedJson) {
        return JobRecipe.read(JSON.readValue(storedJson, Map.class), RecipeSource.STORED).effectiveValues();
    }

    private URI uri(String path) {
        return URI.create("http://localhost:" + port + path);
    }
}
