package io.tuneforge.trainer.template;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tuneforge.trainer.Fixtures;
import io.tuneforge.trainer.template.jinja.JinjaTemplate;
import io.tuneforge.trainer.template.jinja.TemplateRaisedException;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import tools.jackson.databind.json.JsonMapper;

/**
 * The acceptance test of the Jinja interpreter: every case of {@code templates/chat_template_cases.json} renders
 * byte-identically to {@code templates/chat_template_goldens.json}, which Python's jinja2 produced with Hugging
 * Face's settings ({@code src/test/python/render_chat_template_goldens.py}); where Python failed, we fail too.
 */
class ChatTemplateGoldenTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @SuppressWarnings("unchecked")
    private static Map<String, Object> resource(String name) throws IOException {
        try (InputStream in = ChatTemplateGoldenTest.class.getResourceAsStream("/templates/" + name)) {
            return JSON.readValue(in, Map.class);
        }
    }

    @SuppressWarnings("unchecked")
    @TestFactory
    Stream<DynamicTest> snippetsRenderLikePythonJinja2() throws IOException {
        Map<String, Object> cases = resource("chat_template_cases.json");
        Map<String, Object> goldens = (Map<String, Object>) resource("chat_template_goldens.json").get("snippets");
        List<DynamicTest> tests = new ArrayList<>();
        for (Map<String, Object> snippet : (List<Map<String, Object>>) cases.get("snippets")) {
            String name = (String) snippet.get("name");
            Map<String, Object> golden = (Map<String, Object>) goldens.get(name);
            Map<String, Object> variables = (Map<String, Object>) snippet.getOrDefault("variables", Map.of());
            tests.add(DynamicTest.dynamicTest(name, () -> check(golden,
                    () -> JinjaTemplate.compile((String) snippet.get("template")).render(variables))));
        }
        return tests.stream();
    }

    @SuppressWarnings("unchecked")
    @TestFactory
    Stream<DynamicTest> modelTemplatesRenderConversationsLikeHuggingFace() throws IOException {
        Map<String, Object> cases = resource("chat_template_cases.json");
        Map<String, Object> goldens = (Map<String, Object>) resource("chat_template_goldens.json").get("models");
        List<DynamicTest> tests = new ArrayList<>();
        for (String model : (List<String>) cases.get("models")) {
            for (Map<String, Object> conversation : (List<Map<String, Object>>) cases.get("conversations")) {
                String name = (String) conversation.get("name");
                Map<String, Object> golden = (Map<String, Object>) ((Map<String, Object>) goldens.get(model)).get(name);
                tests.add(DynamicTest.dynamicTest(model + "/" + name, () -> {
                    JinjaChatTemplate template = JinjaChatTemplate.of(
                            TokenizerConfig.load(Fixtures.path("tokenizers/" + model)));
                    check(golden, () -> template.renderValues(
                            (List<?>) conversation.get("messages"),
                            (List<?>) conversation.get("tools"),
                            Boolean.TRUE.equals(conversation.get("add_generation_prompt")),
                            (Map<String, Object>) conversation.getOrDefault("variables", Map.of())));
                }));
            }
        }
        return tests.stream();
    }

    private static void check(Map<String, Object> golden, java.util.function.Supplier<String> render) {
        assertThat(golden).as("golden entry (re-run render_chat_template_goldens.py)").isNotNull();
        if (golden.containsKey("output")) {
            assertThat(render.get()).isEqualTo(golden.get("output"));
            return;
        }
        String error = (String) golden.get("error");
        if (error.startsWith("TemplateError: ")) {
            assertThatThrownBy(render::get).isInstanceOf(TemplateRaisedException.class)
                    .extracting(e -> ((TemplateRaisedException) e).raisedMessage())
                    .isEqualTo(error.substring("TemplateError: ".length()));
        } else {
            String pythonMessage = error.substring(error.indexOf(": ") + 2);
            assertThatThrownBy(render::get).isInstanceOf(TemplateException.class)
                    .satisfies(e -> assertThat(e.getMessage().toLowerCase())
                            .as("Python said: " + error)
                            .containsAnyOf(pythonMessage.toLowerCase(), "syntax error"));
        }
    }
}
