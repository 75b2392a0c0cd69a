package io.tuneforge.shared.recipe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class JobRecipeTest {

    @Test
    void anEmptyRecipeHasEveryDefaultOfTheTable() {
        JobRecipe recipe = JobRecipe.read(Map.of(), RecipeSource.REST);

        assertThat(recipe.optimization().learningRate()).isEqualTo(5e-5);
        assertThat(recipe.optimization().maxSteps()).isEmpty();
        assertThat(recipe.data().cutoffLen()).isEqualTo(2048);
        assertThat(recipe.data().valSize()).isZero();
        assertThat(recipe.method().finetuningType()).isEqualTo(RecipeMethod.FinetuningType.LORA);
        assertThat(recipe.method().lora().rank()).isEqualTo(8);
        assertThat(recipe.method().lora().alpha()).isEqualTo(16.0);
        assertThat(recipe.method().lora().targetModules()).containsExactlyElementsOf(RecipeMethod.LINEAR_MODULES);
        Map<String, Object> effective = recipe.effectiveValues();
        for (RecipeField field : RecipeKeys.FIELDS) {
            if (field.pathKey()) {
                assertThat(effective).doesNotContainKey(field.key());
            } else if (!field.key().equals("lora_alpha")) {
                assertThat(effective.get(field.key())).as(field.key()).isEqualTo(field.defaultValue().orElse(null));
            }
        }
        assertThat(effective.get("lora_alpha")).isEqualTo(16.0);
    }

    @Test
    void loraTargetsMayNamePhi3sFusedLinears() {
        JobRecipe recipe = JobRecipe.read(Map.of("lora_target", "qkv_proj, gate_up_proj, o_proj"), RecipeSource.REST);

        assertThat(recipe.method().lora().targetModules()).containsExactly("qkv_proj", "gate_up_proj", "o_proj");
    }

    @Test
    void everyKeyHasHelpALabelAndAnAllowedRange() {
        assertThat(RecipeKeys.FIELDS).extracting(RecipeField::key).doesNotHaveDuplicates();
        for (RecipeField field : RecipeKeys.FIELDS) {
            assertThat(field.help()).as(field.key()).isNotBlank();
            assertThat(field.label()).as(field.key()).isNotBlank();
            field.defaultValue().ifPresent(d -> assertThat(field.parse(d, RecipeSource.FORM)).as(field.key()).contains(d));
            assertThat(RecipeKeys.IGNORED).doesNotContainKey(field.key());
            assertThat(RecipeKeys.UNSUPPORTED).doesNotContainKey(field.key());
        }
    }

    static List<Arguments> badValues() {
        return List.of(
                Arguments.of("learning_rate", -1, "above 0"),
                Arguments.of("learning_rate", "fast", "above 0"),
                Arguments.of("lora_rank", 0, "from 1 to 4,096"),
                Arguments.of("lora_rank", -5, "from 1 to 4,096"),
                Arguments.of("lora_rank", 2.5, "whole number"),
                Arguments.of("per_device_train_batch_size", 0, "from 1"),
                Arguments.of("n_epochs", "NaN", "above 0"),
                Arguments.of("max_steps", 99999999999L, "from 1 to 1,000,000,000"),
                Arguments.of("max_steps", "99999999999999999999999", "whole number"),
                Arguments.of("max_steps", -1, "from 1 to 1,000,000,000"),
                Arguments.of("lora_dropout", 1.0, "below 1"),
                Arguments.of("lr_scheduler_type", "cosine_restarts", "one of cosine, linear"),
                Arguments.of("train_on_prompt", "maybe", "true or false"),
                Arguments.of("lora_target", "q_proj,attention", "all or a comma list"),
                Arguments.of("val_size", 1.5, "fraction below 1"),
                Arguments.of("template", "defualt", "one of auto, default"));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("badValues")
    void aBadValueIsRefusedNamingTheKeyAndWhatIsAllowed(String key, Object value, String allowed) {
        Map<String, Object> values = new HashMap<>();
        values.put(key, value);
        String expectedKey = key.equals("n_epochs") ? "num_train_epochs" : key;

        assertThatThrownBy(() -> JobRecipe.read(values, RecipeSource.REST))
                .isInstanceOfSatisfying(RecipeException.class, e -> {
                    assertThat(e.key()).isEqualTo(expectedKey);
                    assertThat(e.getMessage()).startsWith(expectedKey + " in hyperparameters").contains(allowed);
                });
    }

    @Test
    void anUnknownKeyIsRefusedWithTheNearestKnownOne() {
        assertThatThrownBy(() -> JobRecipe.read(Map.of("learnig_rate", 1e-4), RecipeSource.REST))
                .isInstanceOfSatisfying(RecipeException.class, e -> {
                    assertThat(e.key()).isEqualTo("learnig_rate");
                    assertThat(e.getMessage()).contains("unknown key 'learnig_rate'").contains("learning_rate");
                });
    }

    @Test
    void unsupportedKeysAreRefusedWithTheirReasonUnlessSwitchedOff() {
        assertThatThrownBy(() -> JobRecipe.read(Map.of("lora_bf16_mode", true), RecipeSource.YAML))
                .isInstanceOf(RecipeException.class).hasMessageContaining("lora_bf16_mode")
                .hasMessageContaining("not supported");

        assertThat(JobRecipe.read(Map.of("lora_bf16_mode", false, "plot_loss", true), RecipeSource.YAML).given()).isEmpty();
    }

    @Test
    void generationKeysHaveLlamaFactorysDefaultsAndBeamSearchIsRefused() {
        RecipeGeneration defaults = JobRecipe.defaults().generation();
        assertThat(defaults).isEqualTo(new RecipeGeneration(true, 0.95, 0.7, 50, 1024, 1.0));
        RecipeGeneration greedy = JobRecipe.read(Map.of("do_sample", false, "max_new_tokens", 64, "max_length", 512,
                "length_penalty", 1.0, "skip_special_tokens", true), RecipeSource.YAML).generation();
        assertThat(greedy.doSample()).isFalse();
        assertThat(greedy.maxNewTokens()).isEqualTo(64);
        assertThatThrownBy(() -> JobRecipe.read(Map.of("num_beams", 4), RecipeSource.YAML))
                .isInstanceOfSatisfying(RecipeException.class, e -> assertThat(e.key()).isEqualTo("num_beams"))
                .hasMessageContaining("beam search");
        assertThatThrownBy(() -> JobRecipe.read(Map.of("top_p", 1.5), RecipeSource.YAML))
                .isInstanceOfSatisfying(RecipeException.class, e -> assertThat(e.key()).isEqualTo("top_p"));
    }

    @Test
    void freezeTuningTakesLlamaProTheFirstLayersAndModulesOutsideTheLayers() {
        RecipeMethod pro = JobRecipe.read(Map.of("finetuning_type", "freeze", "use_llama_pro", true,
                "freeze_trainable_layers", 8, "freeze_extra_modules", "embed_tokens, norm"), RecipeSource.YAML).method();
        assertThat(pro.freeze().llamaPro()).isTrue();
        assertThat(pro.freeze().extraModules()).containsExactly("embed_tokens", "norm");
        assertThat(pro.freeze().layerIds(40)).containsExactly(4, 9, 14, 19, 24, 29, 34, 39);
        assertThat(pro.describe()).isEqualTo("freeze: 8 LLaMA Pro blocks + embed_tokens,norm");

        RecipeMethod first = JobRecipe.read(Map.of("finetuning_type", "freeze", "freeze_trainable_layers", -2),
                RecipeSource.YAML).method();
        assertThat(first.freeze().layerIds(6)).containsExactly(0, 1);
        assertThat(first.describe()).isEqualTo("freeze: first 2 layers");

        assertThatThrownBy(() -> JobRecipe.read(Map.of("freeze_trainable_layers", 0), RecipeSource.YAML))
                .isInstanceOfSatisfying(RecipeException.class, e -> assertThat(e.key()).isEqualTo("freeze_trainable_layers"));
        assertThatThrownBy(() -> JobRecipe.read(Map.of("use_llama_pro", true, "freeze_trainable_layers", -2),
                RecipeSource.YAML)).isInstanceOf(RecipeException.class).hasMessageContaining("use_llama_pro");
        assertThatThrownBy(() -> JobRecipe.read(Map.of("freeze_extra_modules", "mlp"), RecipeSource.YAML))
                .isInstanceOfSatisfying(RecipeException.class, e -> assertThat(e.key()).isEqualTo("freeze_extra_modules"));
        assertThatThrownBy(() -> pro.freeze().layerIds(12)).hasMessageContaining("multiple of freeze_trainable_layers 8");
    }

    @Test
    void llamaFactoryValuesNotSupportedYetAreRefusedWithTheirReason() {
        assertThat(JobRecipe.read(Map.of("stage", "ppo", "ppo_epochs", 2), RecipeSource.YAML).preference().ppo()
                .epochs()).isEqualTo(2);
        assertThat(JobRecipe.read(Map.of("stage", "kto", "kto_chosen_weight", 1.33), RecipeSource.YAML).preference()
                .ktoChosenWeight()).isEqualTo(1.33);
        assertThatThrownBy(() -> JobRecipe.read(Map.of("stage", "dpo", "pref_loss", "kto_pair"), RecipeSource.YAML))
                .isInstanceOfSatisfying(RecipeException.class, e -> assertThat(e.key()).isEqualTo("pref_loss"));
        assertThat(JobRecipe.read(Map.of("finetuning_type", "oft"), RecipeSource.YAML).method().finetuningType())
                .isEqualTo(RecipeMethod.FinetuningType.OFT);
        assertThatThrownBy(() -> JobRecipe.read(Map.of("lora_bf16_mode", true), RecipeSource.YAML))
                .isInstanceOf(RecipeException.class).hasMessageContaining("not supported yet");
        assertThat(JobRecipe.read(Map.of("stage", "rm"), RecipeSource.YAML).method().stage()).isEqualTo("rm");
        assertThat(JobRecipe.read(Map.of("stage", "pt"), RecipeSource.YAML).method().stage()).isEqualTo("pt");
        assertThatThrownBy(() -> JobRecipe.read(Map.of("stage", "sfx"), RecipeSource.YAML))
                .isInstanceOf(RecipeException.class).hasMessageContaining("use one of sft");
    }

    @Test
    void stageDpoReadsThePreferenceSettingsWithLlamaFactoryDefaults() {
        RecipePreference defaults = JobRecipe.read(Map.of("stage", "dpo"), RecipeSource.YAML).preference();
        assertThat(defaults).isEqualTo(new RecipePreference(0.1, 0.0, "sigmoid", 0.5, 0.0));
        JobRecipe simpo = JobRecipe.read(Map.of("stage", "dpo", "pref_loss", "simpo", "pref_beta", 2.0,
                "simpo_gamma", 0.7, "pref_ftx", 1.0), RecipeSource.YAML);
        assertThat(simpo.method().stage()).isEqualTo("dpo");
        assertThat(simpo.preference()).isEqualTo(new RecipePreference(2.0, 1.0, "simpo", 0.7, 0.0));
    }

    @Test
    void labelSmoothingIsRefusedForLossesOtherThanSigmoid() {
        assertThatThrownBy(() -> JobRecipe.read(Map.of("stage", "dpo", "pref_loss", "ipo", "dpo_label_smoothing",
                0.1), RecipeSource.YAML)).isInstanceOfSatisfying(RecipeException.class, e -> {
                    assertThat(e.key()).isEqualTo("dpo_label_smoothing");
                    assertThat(e.getMessage()).contains("sigmoid");
                });
        assertThatThrownBy(() -> JobRecipe.read(Map.of("pref_beta", 0), RecipeSource.YAML))
                .isInstanceOfSatisfying(RecipeException.class, e -> assertThat(e.key()).isEqualTo("pref_beta"));
    }

    @Test
    void aClassificationHeadTrainsWithLoraFreezeOrFullInStageSftOnWholeRows() {
        assertThat(JobRecipe.read(Map.of("task_type", "seq_cls"), RecipeSource.YAML).data().classificationHead())
                .isTrue();
        assertThat(JobRecipe.read(Map.of(), RecipeSource.YAML).data().taskType()).isEqualTo("causal_lm");
        for (String tuning : List.of("freeze", "full")) {
            assertThat(JobRecipe.read(Map.of("task_type", "seq_cls", "finetuning_type", tuning), RecipeSource.YAML)
                    .data().classificationHead()).as(tuning).isTrue();
        }
        for (Map<String, Object> wrong : List.<Map<String, Object>>of(
                Map.of("task_type", "seq_cls", "stage", "dpo"),
                Map.of("task_type", "seq_cls", "finetuning_type", "oft"),
                Map.of("task_type", "seq_cls", "packing", true),
                Map.of("task_type", "seq_cls", "use_dft_loss", true))) {
            assertThatThrownBy(() -> JobRecipe.read(wrong, RecipeSource.YAML)).as(wrong.toString())
                    .isInstanceOfSatisfying(RecipeException.class, e -> {
                        assertThat(e.key()).isEqualTo("task_type");
                        assertThat(e.getMessage()).contains("'seq_cls' is not allowed");
                    });
        }
    }

    @Test
    void aJobsMethodIsItsFinetuningTypeAndBothMustAgree() {
        assertThat(JobRecipe.readForMethod(Map.of(), RecipeSource.FORM, RecipeMethod.FinetuningType.FULL)
                .method().finetuningType()).isEqualTo(RecipeMethod.FinetuningType.FULL);
        assertThatThrownBy(() -> JobRecipe.readForMethod(Map.of("finetuning_type", "lora"), RecipeSource.STORED,
                RecipeMethod.FinetuningType.FREEZE)).isInstanceOfSatisfying(RecipeException.class,
                e -> assertThat(e.getMessage()).contains("disagrees with the job's method freeze"));
    }

    @Test
    void yamlReadsExponentsWrittenAsTextAndPaths() {
        JobRecipe recipe = JobRecipe.read(Map.of("learning_rate", "1.0e-4", "model_name_or_path", "models/tiny",
                "max_steps", 10, "lora_target", "q_proj, v_proj"), RecipeSource.YAML);

        assertThat(recipe.optimization().learningRate()).isEqualTo(1e-4);
        assertThat(recipe.model().modelNameOrPath()).contains("models/tiny");
        assertThat(recipe.optimization().maxSteps()).contains(10L);
        assertThat(recipe.method().lora().targetModules()).containsExactly("q_proj", "v_proj");
    }

    @Test
    void restAndTheFormCannotNameServerPaths() {
        assertThatThrownBy(() -> JobRecipe.read(Map.of("output_dir", "/etc"), RecipeSource.REST))
                .isInstanceOfSatisfying(RecipeException.class, e -> assertThat(e.key()).isEqualTo("output_dir"));
    }

    @Test
    void openAiNamesMapToTheRecipeKeys() {
        JobRecipe recipe = JobRecipe.read(Map.of("n_epochs", 2, "batch_size", "auto", "learning_rate_multiplier", 2),
                RecipeSource.REST);

        assertThat(recipe.optimization().numTrainEpochs()).isEqualTo(2.0);
        assertThat(recipe.optimization().perDeviceTrainBatchSize()).isEqualTo(2);
        assertThat(recipe.optimization().learningRate()).isEqualTo(1e-4);
        assertThatThrownBy(() -> JobRecipe.read(Map.of("n_epochs", 2, "num_train_epochs", 3), RecipeSource.REST))
                .isInstanceOf(RecipeException.class).hasMessageContaining("give only one");
    }

    @Test
    void evaluationKeysNeedAValidationSplit() {
        assertThatThrownBy(() -> JobRecipe.read(Map.of("eval_steps", 10), RecipeSource.REST))
                .isInstanceOfSatisfying(RecipeException.class, e -> {
                    assertThat(e.key()).isEqualTo("eval_steps");
                    assertThat(e.getMessage()).contains("val_size");
                });

        assertThat(JobRecipe.read(Map.of("eval_steps", 10, "val_size", 0.1), RecipeSource.REST)
                .evaluation().evalSteps()).contains(10L);
    }

    @Test
    void huggingFacesEarlyStoppingPatienceIsReadAsLlamaFactorysEarlyStoppingSteps() {
        JobRecipe recipe = JobRecipe.read(Map.of("early_stopping_patience", 3, "val_size", 0.1), RecipeSource.YAML);

        assertThat(recipe.evaluation().earlyStoppingPatience()).contains(3L);
        assertThat(recipe.effectiveValues()).containsEntry("early_stopping_steps", 3L)
                .doesNotContainKey("early_stopping_patience");
        assertThatThrownBy(() -> JobRecipe.read(Map.of("early_stopping_patience", 3, "early_stopping_steps", 2,
                "val_size", 0.1), RecipeSource.YAML)).isInstanceOf(RecipeException.class)
                .hasMessageContaining("give only one");
    }

    @Test
    void doTrainFalseLeavesNothingToDo() {
        assertThatThrownBy(() -> JobRecipe.read(Map.of("do_train", false), RecipeSource.YAML))
                .isInstanceOfSatisfying(RecipeException.class, e -> assertThat(e.key()).isEqualTo("do_train"));
    }

    @Test
    void yamlExportReadsBackToTheSameRecipe() {
        Map<String, Object> values = new LinkedHashMap<>();
        values.put("learning_rate", 2e-4);
        values.put("finetuning_type", "freeze");
        values.put("freeze_trainable_layers", 3);
        values.put("freeze_trainable_modules", "mlp");
        values.put("val_size", 0.1);
        values.put("eval_steps", 20);
        JobRecipe recipe = JobRecipe.read(values, RecipeSource.FORM);

        Map<String, Object> reread = new org.yaml.snakeyaml.Yaml().load(recipe.toYaml());

        assertThat(JobRecipe.read(reread, RecipeSource.YAML)).isEqualTo(recipe);
        assertThat(recipe.method().freeze().trainableModules()).containsExactly("mlp");
    }

    @Test
    void aSweepPointIsCheckedLikeAnyValue() {
        JobRecipe base = JobRecipe.read(Map.of("lora_rank", 16), RecipeSource.FORM);

        assertThat(base.with(Map.of("learning_rate", 1e-3), RecipeSource.FORM).optimization().learningRate())
                .isEqualTo(1e-3);
        assertThatThrownBy(() -> base.with(Map.of("lora_rank", 0), RecipeSource.FORM))
                .isInstanceOf(RecipeException.class);
    }
}
