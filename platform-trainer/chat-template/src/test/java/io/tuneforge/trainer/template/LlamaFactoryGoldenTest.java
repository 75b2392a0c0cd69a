package io.tuneforge.trainer.template;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import tools.jackson.databind.json.JsonMapper;

/**
 * Every built-in template renders byte-identically to LLaMA-Factory's own code: {@code templates/llamafactory_goldens.json}
 * holds what LLaMA-Factory's {@code Template.encode_multiturn} produced as text for fixed conversations, two
 * tokenizers (with and without BOS) and, for reasoning formats, thinking on and off
 * ({@code src/test/python/llamafactory_golden.py}).
 */
class LlamaFactoryGoldenTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @SuppressWarnings("unchecked")
    private static Map<String, Object> golden() throws IOException {
        try (InputStream in = LlamaFactoryGoldenTest.class.getResourceAsStream("/templates/llamafactory_goldens.json")) {
            return JSON.readValue(in, Map.class);
        }
    }

    @SuppressWarnings("unchecked")
    private static List<ChatMessage> messages(Map<String, Object> conversation) {
        List<ChatMessage> messages = new ArrayList<>();
        if (conversation.get("system") != null) {
            messages.add(ChatMessage.of("system", (String) conversation.get("system")));
        }
        for (List<String> message : (List<List<String>>) conversation.get("messages")) {
            messages.add(ChatMessage.of(message.get(0).equals("observation") ? "tool" : message.get(0), message.get(1)));
        }
        return messages;
    }

    private static TokenizerConfig tokenizer(Map<String, Object> spec) {
        Map<String, Object> tokens = new LinkedHashMap<>();
        spec.forEach((key, value) -> {
            if (value != null) {
                tokens.put(key, value);
            }
        });
        return new TokenizerConfig(Map.of(), tokens, Path.of("."));
    }

    @SuppressWarnings("unchecked")
    @TestFactory
    Stream<DynamicTest> everyTemplateEncodesLikeLlamaFactory() throws IOException {
        Map<String, Object> golden = golden();
        Map<String, Map<String, Object>> tokenizers = (Map<String, Map<String, Object>>) golden.get("tokenizers");
        Map<String, Map<String, Object>> conversations = (Map<String, Map<String, Object>>) golden.get("conversations");
        List<DynamicTest> tests = new ArrayList<>();
        for (Map<String, Object> c : (List<Map<String, Object>>) golden.get("cases")) {
            String name = (String) c.get("template");
            boolean thinking = (Boolean) c.get("enable_thinking");
            String label = name + (thinking ? "" : " (no thinking)") + " / " + c.get("tokenizer") + " / "
                    + c.get("conversation");
            tests.add(DynamicTest.dynamicTest(label, () -> {
                BuiltinChatTemplate template = BuiltinChatTemplate.named(name,
                        tokenizer(tokenizers.get((String) c.get("tokenizer"))));
                List<ChatMessage> messages = messages(conversations.get((String) c.get("conversation")));
                Map<String, Object> variables = new HashMap<>();
                variables.put("enable_thinking", thinking);
                List<List<String>> pairs = template.encodeMultiturn(messages, variables).stream()
                        .map(p -> List.of(p.prompt(), p.answer())).toList();
                assertThat(pairs).isEqualTo(c.get("pairs"));
                StringBuilder full = new StringBuilder();
                pairs.forEach(p -> full.append(p.get(0)).append(p.get(1)));
                full.append((String) c.get("suffix"));
                assertThat(template.render(messages, List.of(), false, variables)).isEqualTo(full.toString());
                List<String> stops = new ArrayList<>((List<String>) c.get("stop_words"));
                if (!stops.contains((String) c.get("eos"))) {
                    stops.add((String) c.get("eos"));
                }
                assertThat(template.stopStrings()).containsExactlyElementsOf(stops);
            }));
        }
        return tests.stream();
    }

    @SuppressWarnings("unchecked")
    @Test
    void theGoldenFileCoversEveryBuiltinName() throws IOException {
        Set<String> rendered = new HashSet<>();
        for (Map<String, Object> c : (List<Map<String, Object>>) golden().get("cases")) {
            rendered.add((String) c.get("template"));
        }
        assertThat(rendered).containsExactlyInAnyOrderElementsOf(BuiltinChatTemplate.NAMES);
    }
}
