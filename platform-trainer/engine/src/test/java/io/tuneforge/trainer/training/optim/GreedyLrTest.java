package io.tuneforge.trainer.training.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code lr_scheduler_type: greedy} against transformers' own {@code GreedyLR}: the learning rate after each of 200
 * evaluations of a falling, flat, falling and rising loss, for its defaults and for patience, factor, bounds,
 * cooldown, warmup, relative thresholds, smoothing with resets and mode max (greedy_lr_golden.py).
 */
class GreedyLrTest {

    @Test
    void everyLearningRateEqualsTransformersGreedyLr() throws IOException {
        JsonNode cases;
        try (InputStream in = GreedyLrTest.class.getResourceAsStream("/training/greedy_lr_golden.json")) {
            cases = JsonMapper.builder().build().readTree(in);
        }
        assertThat(cases.size()).isEqualTo(5);
        for (JsonNode c : cases) {
            Map<String, Object> kwargs = new LinkedHashMap<>();
            c.path("kwargs").properties().forEach(e -> kwargs.put(e.getKey(), e.getValue().isBoolean()
                    ? e.getValue().asBoolean() : e.getValue().isNumber() ? e.getValue().asDouble()
                    : e.getValue().asString()));
            SchedulerOptions options = SchedulerOptions.fromKwargs(SchedulerType.GREEDY, kwargs);
            GreedyLr greedy = new GreedyLr(c.path("lr").asDouble(), options.greedy());
            JsonNode metrics = c.path("metrics");
            JsonNode expected = c.path("learning_rates");
            for (int i = 0; i < metrics.size(); i++) {
                greedy.record(metrics.get(i).asDouble());
                assertThat(greedy.learningRate()).as("%s after evaluation %d", c.path("name").asString(), i + 1)
                        .isCloseTo(expected.get(i).asDouble(), within(1e-15));
            }
        }
    }

    @Test
    void aRestoredStateContinuesAlike() {
        GreedyLr.Options options = SchedulerOptions.fromKwargs(SchedulerType.GREEDY, Map.of("patience", 1,
                "smooth", true, "window_size", 3)).greedy();
        GreedyLr whole = new GreedyLr(0.1, options);
        GreedyLr resumed = new GreedyLr(0.1, options);
        double[] losses = {3, 2.5, 2.4, 2.45, 2.5, 2.2, 2.1, 2.3, 2.4, 2.5};
        for (int i = 0; i < losses.length; i++) {
            whole.record(losses[i]);
            if (i == 4) {
                GreedyLr.State saved = whole.state();
                resumed.restore(saved);
            } else if (i > 4) {
                resumed.record(losses[i]);
            }
        }
        assertThat(resumed.state()).isEqualTo(whole.state());
    }

    @Test
    void itsArgumentsAreCheckedAsTransformersChecksThem() {
        assertThatThrownBy(() -> SchedulerOptions.fromKwargs(SchedulerType.GREEDY, Map.of("factor", 1.5)))
                .hasMessageContaining("factor").hasMessageContaining("< 1.0");
        assertThatThrownBy(() -> SchedulerOptions.fromKwargs(SchedulerType.GREEDY, Map.of("mode", "up")))
                .hasMessageContaining("mode must be min or max");
        assertThatThrownBy(() -> SchedulerOptions.fromKwargs(SchedulerType.GREEDY, Map.of("num_cycles", 2)))
                .hasMessageContaining("not read by greedy");
    }
}
