package io.tuneforge.trainer.model.lora;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tuneforge.trainer.model.FineTuning;
import io.tuneforge.trainer.model.Linear;
import io.tuneforge.trainer.model.LlamaModel;
import io.tuneforge.trainer.model.ModelConfigException;
import io.tuneforge.trainer.model.ModelOptions;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code lora_target} as PEFT matches {@code target_modules} (names, dotted suffixes, or one regular expression with
 * {@code re.fullmatch}), against the module sets PEFT 0.21 adapted on the same tiny Llama
 * (src/test/python/peft_variants_golden.py → resources/peftvar/targets.json).
 */
class LoraTargetMatchingTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @TempDir
    Path dir;

    static Path resource(String name) {
        try {
            return Path.of(LoraTargetMatchingTest.class.getResource("/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<String> targets(JsonNode spec) {
        List<String> out = new ArrayList<>();
        if (spec.isArray()) {
            spec.forEach(n -> out.add(n.asString()));
        } else {
            out.add(spec.asString());
        }
        return out;
    }

    @Test
    void everyTargetSpellingAdaptsExactlyTheModulesPeftAdapts() throws IOException {
        JsonNode cases = JSON.readTree(Files.readString(resource("peftvar/targets.json"))).get("cases");
        assertThat(cases.size()).isGreaterThanOrEqualTo(6);
        try (LlamaModel model = LlamaModel.load(resource("dora/tiny-llama"), ModelOptions.inference())) {
            for (JsonNode c : cases) {
                LoraConfig config = new LoraConfig(2, 4, 0, targets(c.get("target_modules")), false);
                List<String> ours = model.loraTargets(config).stream().map(Linear::path).sorted().toList();
                List<String> peft = new ArrayList<>();
                c.get("modules").forEach(n -> peft.add(n.asString()));
                assertThat(ours).as("target_modules %s", c.get("target_modules")).isEqualTo(peft);
            }
        }
    }

    @Test
    void aPatternIsOneRegularExpressionAndSavesAsPeftsStringForm() throws IOException {
        LoraConfig pattern = new LoraConfig(2, 4, 0, List.of(".*\\.(q_proj|k_proj)"), false);
        assertThat(pattern.isPattern()).isTrue();
        assertThat(new LoraConfig(2, 4, 0, List.of("mlp.down_proj"), false).isPattern()).isFalse();
        try (LlamaModel model = LlamaModel.load(resource("dora/tiny-llama"),
                ModelOptions.training(new FineTuning.Lora(pattern), 3))) {
            PeftAdapter.save(model, dir);
        }
        JsonNode saved = JSON.readTree(Files.readString(dir.resolve(PeftAdapter.CONFIG_FILE)));
        assertThat(saved.get("target_modules").isString()).isTrue();
        assertThat(saved.get("target_modules").asString()).isEqualTo(".*\\.(q_proj|k_proj)");
        LoraConfig read = PeftAdapter.readConfig(dir);
        assertThat(read.targetModules()).containsExactly(".*\\.(q_proj|k_proj)");
        try (LlamaModel model = LlamaModel.load(resource("dora/tiny-llama"), ModelOptions.inference())) {
            PeftAdapter.load(model, dir, false);
            assertThat(model.linears().values().stream().filter(l -> l.lora().isPresent()).count()).isEqualTo(4);
        }
    }

    @Test
    void targetsThatMatchNothingOrReachBeyondTheDecoderLinearsFailClearly() throws IOException {
        try (LlamaModel model = LlamaModel.load(resource("dora/tiny-llama"), ModelOptions.inference())) {
            assertThatThrownBy(() -> model.loraTargets(new LoraConfig(2, 4, 0, List.of("model\\.layers\\.7\\..*"), false)))
                    .isInstanceOf(ModelConfigException.class).hasMessageContaining("matches none");
            assertThatThrownBy(() -> model.loraTargets(new LoraConfig(2, 4, 0, List.of(".*(lm_head|q_proj)"), false)))
                    .isInstanceOf(ModelConfigException.class).hasMessageContaining("additional_target");
        }
        assertThatThrownBy(() -> new LoraConfig(2, 4, 0, List.of("lm_head"), false))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unknown");
        assertThatThrownBy(() -> new LoraConfig(2, 4, 0, List.of(".*(q_proj"), false))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a valid regular expression");
    }
}
