package io.tuneforge.trainer.template;

import io.tuneforge.trainer.template.jinja.JinjaTemplate;
import java.io.File;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import tools.jackson.databind.json.JsonMapper;

/**
 * Not a test: compares our renders with goldens that {@code render_chat_template_goldens.py} made from any cases
 * file (for example random cases from {@code generate_jinja_fuzz_cases.py}, or real templates in a fixtures-like
 * folder) and prints every mismatch. Arguments: CASES.json GOLDENS.json [FIXTURES_DIR].
 */
public final class TemplateDifferentialCheck {

    private TemplateDifferentialCheck() {
    }

    @SuppressWarnings("unchecked")
    public static void main(String[] args) {
        JsonMapper json = JsonMapper.builder().build();
        Map<String, Object> cases = json.readValue(new File(args[0]), Map.class);
        Map<String, Object> goldens = json.readValue(new File(args[1]), Map.class);
        int[] counts = new int[2];
        for (Map<String, Object> s : (List<Map<String, Object>>) cases.get("snippets")) {
            Map<String, Object> golden = (Map<String, Object>) ((Map<String, Object>) goldens.get("snippets")).get(s.get("name"));
            compare((String) s.get("name"), golden, counts, () -> JinjaTemplate.compile((String) s.get("template"))
                    .render((Map<String, Object>) s.getOrDefault("variables", Map.of())));
        }
        for (String model : (List<String>) cases.get("models")) {
            JinjaChatTemplate template = JinjaChatTemplate.of(TokenizerConfig.load(Path.of(args[2], "tokenizers", model)));
            for (Map<String, Object> c : (List<Map<String, Object>>) cases.get("conversations")) {
                Map<String, Object> golden = (Map<String, Object>) ((Map<String, Object>) ((Map<String, Object>) goldens
                        .get("models")).get(model)).get(c.get("name"));
                compare(model + "/" + c.get("name"), golden, counts, () -> template.renderValues(
                        (List<?>) c.get("messages"), (List<?>) c.get("tools"),
                        Boolean.TRUE.equals(c.get("add_generation_prompt")),
                        (Map<String, Object>) c.getOrDefault("variables", Map.of())));
            }
        }
        System.out.println("same=" + counts[0] + " different=" + counts[1]);
    }

    private static void compare(String name, Map<String, Object> golden, int[] counts, Supplier<String> render) {
        String output = null;
        String error = null;
        try {
            output = render.get();
        } catch (TemplateException e) {
            error = e.getMessage();
        } catch (RuntimeException e) {
            error = "CRASH " + e;
        }
        boolean same = golden.containsKey("output") ? golden.get("output").equals(output)
                : output == null && !error.startsWith("CRASH");
        counts[same ? 0 : 1]++;
        if (!same) {
            System.out.println(name + "\n  python: " + golden + "\n  ours:   " + (output != null ? "'" + output + "'" : error));
        }
    }
}
