package io.tuneforge.trainer.training.optim;

import static io.tuneforge.trainer.training.optim.GoldenJson.floats;
import static io.tuneforge.trainer.training.optim.GoldenJson.shape;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SequencedMap;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** AdamW, clipping and schedules against PyTorch 1.13 (golden file from src/test/python/adamw_golden.py). */
class OptimizerGoldenTest {

    private static final JsonNode GOLDEN = load();

    private static JsonNode load() {
        try (InputStream in = OptimizerGoldenTest.class.getResourceAsStream("/training/adamw_golden.json")) {
            return JsonMapper.builder().build().readTree(in);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void adamWMatchesPyTorchStepForStep() {
        for (JsonNode testCase : GOLDEN.get("adamw")) {
            runCase(testCase);
        }
    }

    private void runCase(JsonNode testCase) {
        try (NDManager manager = NDManager.newBaseManager()) {
            SequencedMap<String, NDArray> params = new LinkedHashMap<>();
            for (String name : testCase.get("shapes").propertyNames()) {
                params.put(name, manager.create(floats(testCase.get("initial").get(name)), shape(testCase, name)));
            }
            double maxNorm = testCase.get("max_grad_norm").asDouble();
            AdamW adamW = new AdamW(params, AdamWConfig.withWeightDecay(testCase.get("weight_decay").asDouble()), manager);
            for (JsonNode step : testCase.get("steps")) {
                try (NDManager scope = manager.newSubManager()) {
                    Map<String, NDArray> grads = new LinkedHashMap<>();
                    for (String name : params.keySet()) {
                        grads.put(name, scope.create(floats(step.get("grads").get(name)), shape(testCase, name)));
                    }
                    if (maxNorm > 0) {
                        double norm = GradientClipping.clipByGlobalNorm(scope, grads.values(), maxNorm);
                        assertThat(norm).isCloseTo(step.get("pre_clip_norm").asDouble(), within(1e-5));
                    }
                    adamW.step(grads, step.get("lr").asDouble());
                }
                for (String name : params.keySet()) {
                    float[] expected = floats(step.get("params_after").get(name));
                    float[] actual = params.get(name).toFloatArray();
                    for (int i = 0; i < expected.length; i++) {
                        assertThat(actual[i]).as("%s[%d] after step %d", name, i, adamW.stepCount())
                                .isCloseTo(expected[i], within(2e-6f));
                    }
                }
            }
        }
    }

    @Test
    void schedulesMatchHuggingFaceGetScheduler() {
        for (JsonNode s : GOLDEN.get("schedules")) {
            long total = s.get("total_steps").asLong();
            long warmup = LearningRateSchedule.warmupSteps(
                    s.get("warmup_steps").asInt(), s.get("warmup_ratio").asDouble(), total);
            LearningRateSchedule schedule = new LearningRateSchedule(
                    SchedulerType.fromConfigName(s.get("type").asString()), s.get("base_lr").asDouble(), warmup, total);
            List<Double> actual = new ArrayList<>();
            for (long step = 0; step < total; step++) {
                actual.add(schedule.learningRate(step));
            }
            JsonNode lrs = s.get("lrs");
            for (int i = 0; i < total; i++) {
                assertThat(actual.get(i)).as("%s step %d", s.get("type").asString(), i)
                        .isCloseTo(lrs.get(i).asDouble(), within(1e-15));
            }
        }
    }

    @Test
    void clippingLeavesSmallGradientsUntouchedAndReportsTheNorm() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray g = manager.create(new float[] {0.3f, 0.4f});
            double norm = GradientClipping.clipByGlobalNorm(manager, List.of(g), 1.0);
            assertThat(norm).isCloseTo(0.5, within(1e-7));
            assertThat(g.toFloatArray()).containsExactly(0.3f, 0.4f);
        }
    }
}
