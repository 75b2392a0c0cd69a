package io.tuneforge.trainer.training.optim;

import static io.tuneforge.trainer.training.optim.GoldenJson.floats;
import static io.tuneforge.trainer.training.optim.GoldenJson.shape;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import java.io.InputStream;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.SequencedMap;
import java.util.Set;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Every Hugging Face lr_scheduler_type and the optimizers sgd, adamw_torch and adafactor (with Hugging Face's and
 * LoRA+'s parameter groups) against values computed by transformers and PyTorch themselves (golden file from
 * src/test/python/optimizers_golden.py).
 */
class HuggingFaceOptimizationTest {

    private static final JsonNode GOLDEN = load();

    private static JsonNode load() {
        try (InputStream in = HuggingFaceOptimizationTest.class.getResourceAsStream("/training/optimizers_golden.json")) {
            return JsonMapper.builder().build().readTree(in);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void everySchedulerTypeHasAReferenceCase() {
        Set<SchedulerType> covered = EnumSet.noneOf(SchedulerType.class);
        GOLDEN.get("schedules").forEach(s -> covered.add(SchedulerType.fromConfigName(s.get("type").asString())));
        covered.add(SchedulerType.GREEDY); // metric-driven: GreedyLrTest steps transformers' GreedyLR itself
        assertThat(covered).containsExactlyInAnyOrder(SchedulerType.values());
    }

    @Test
    void stepSchedulesMatchTransformersGetScheduler() {
        for (JsonNode s : GOLDEN.get("schedules")) {
            SchedulerType type = SchedulerType.fromConfigName(s.get("type").asString());
            if (type == SchedulerType.REDUCE_LR_ON_PLATEAU) {
                continue;
            }
            long total = s.get("total_steps").asLong();
            long warmup = LearningRateSchedule.warmupSteps(
                    s.get("warmup_steps").asInt(), s.get("warmup_ratio").asDouble(), total);
            LearningRateSchedule schedule = new LearningRateSchedule(type, s.get("base_lr").asDouble(), warmup, total,
                    SchedulerOptions.fromKwargs(type, kwargs(s)));
            JsonNode lrs = s.get("lrs");
            for (int step = 0; step < total; step++) {
                assertThat(schedule.learningRate(step)).as("%s %s step %d", type.configName(), kwargs(s), step)
                        .isCloseTo(lrs.get(step).asDouble(), within(1e-15));
            }
        }
    }

    @Test
    void reduceLrOnPlateauFollowsTheValidationLossAsPyTorch() {
        for (JsonNode s : GOLDEN.get("schedules")) {
            if (!s.get("type").asString().equals("reduce_lr_on_plateau")) {
                continue;
            }
            ReduceLrOnPlateau plateau = new ReduceLrOnPlateau(s.get("base_lr").asDouble(),
                    SchedulerOptions.fromKwargs(SchedulerType.REDUCE_LR_ON_PLATEAU, kwargs(s)));
            JsonNode losses = s.get("eval_losses");
            for (int i = 0; i < losses.size(); i++) {
                plateau.record(losses.get(i).asDouble());
                assertThat(plateau.learningRate()).as("after evaluation %d of %s", i + 1, kwargs(s))
                        .isCloseTo(s.get("lrs_after_eval").get(i).asDouble(), within(1e-15));
            }
        }
    }

    @Test
    void cosineWithMinLrWithoutItsFloorIsRefusedAsInHuggingFace() {
        assertThatThrownBy(() -> new LearningRateSchedule(SchedulerType.COSINE_WITH_MIN_LR, 1e-4, 0, 10))
                .hasMessageContaining("min_lr or min_lr_rate");
    }

    @Test
    void aSchedulerArgumentAnotherScheduleReadsIsRefusedByName() {
        assertThatThrownBy(() -> SchedulerOptions.fromKwargs(SchedulerType.LINEAR, Map.of("num_cycles", 2)))
                .hasMessageContaining("num_cycles").hasMessageContaining("linear");
    }

    @Test
    void optimizersMatchPyTorchAndTransformersStepForStep() {
        for (JsonNode testCase : GOLDEN.get("optimizers")) {
            runOptimizerCase(testCase);
        }
    }

    @Test
    void loraPlusRaisesTheLearningRateOfBOnly() {
        ParameterGroups groups = new ParameterGroups(0.0, OptionalDouble.of(16.0));
        assertThat(groups.settings("base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight", 2)
                .learningRateScale()).isEqualTo(16.0);
        assertThat(groups.settings("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight", 2)
                .learningRateScale()).isEqualTo(1.0);
        assertThat(ParameterGroups.huggingFace(0.0)
                .settings("base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight", 2)
                .learningRateScale()).isEqualTo(1.0);
    }

    @Test
    void weightDecaySkipsBiasesAndNormsAsHuggingFace() {
        assertThat(ParameterGroups.decays("model.layers.3.mlp.up_proj.weight")).isTrue();
        assertThat(ParameterGroups.decays("model.layers.3.input_layernorm.weight")).isFalse();
        assertThat(ParameterGroups.decays("model.norm.weight")).isFalse();
        assertThat(ParameterGroups.decays("model.layers.3.self_attn.q_proj.bias")).isFalse();
    }

    private void runOptimizerCase(JsonNode testCase) {
        OptimizerType type = OptimizerType.fromConfigName(testCase.get("optim").asString());
        JsonNode ratio = testCase.get("loraplus_lr_ratio");
        ParameterGroups groups = new ParameterGroups(testCase.get("weight_decay").asDouble(),
                ratio.isNull() ? OptionalDouble.empty() : OptionalDouble.of(ratio.asDouble()));
        try (NDManager manager = NDManager.newBaseManager()) {
            SequencedMap<String, NDArray> params = new LinkedHashMap<>();
            for (String name : testCase.get("shapes").propertyNames()) {
                params.put(name, manager.create(floats(testCase.get("initial").get(name)), shape(testCase, name)));
            }
            try (ParameterOptimizer optimizer = type.create(params, AdamWConfig.withWeightDecay(0.0), groups,
                    manager)) {
                for (JsonNode step : testCase.get("steps")) {
                    try (NDManager scope = manager.newSubManager()) {
                        Map<String, NDArray> grads = new LinkedHashMap<>();
                        for (String name : params.keySet()) {
                            grads.put(name, scope.create(floats(step.get("grads").get(name)), shape(testCase, name)));
                        }
                        optimizer.step(grads, step.get("lr").asDouble());
                    }
                    for (String name : params.keySet()) {
                        float[] expected = floats(step.get("params_after").get(name));
                        float[] actual = params.get(name).toFloatArray();
                        for (int i = 0; i < expected.length; i++) {
                            assertThat(actual[i]).as("%s wd %s loraplus %s: %s[%d] after step %d", type.configName(),
                                            testCase.get("weight_decay"), ratio, name, i, optimizer.stepCount())
                                    .isCloseTo(expected[i], within(2e-6f));
                        }
                    }
                }
            }
        }
    }

    private static Map<String, Object> kwargs(JsonNode s) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (String key : s.get("kwargs").propertyNames()) {
            JsonNode v = s.get("kwargs").get(key);
            out.put(key, v.isNumber() ? (Object) v.asDouble() : v.asString());
        }
        return out;
    }
}
