package io.tuneforge.trainer.template;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Not a test: times rendering a typical Qwen3 conversation (system, three user/assistant rounds, one with reasoning,
 * tools) with the model's own template. Run with the test classpath:
 * {@code java -cp ... io.tuneforge.trainer.template.TemplateRenderBenchmark ../shared/fixtures/tokenizers/qwen3}.
 */
public final class TemplateRenderBenchmark {

    private TemplateRenderBenchmark() {
    }

    public static void main(String[] args) {
        Path model = Path.of(args.length > 0 ? args[0] : "../shared/fixtures/tokenizers/qwen3");
        ChatTemplate template = JinjaChatTemplate.of(TokenizerConfig.load(model));
        List<ChatMessage> conversation = List.of(
                ChatMessage.of("system", "You are a helpful assistant that answers briefly."),
                ChatMessage.of("user", "What is the capital of France?"),
                new ChatMessage("assistant", "Paris.", Map.of("reasoning_content", "France's capital is Paris.")),
                ChatMessage.of("user", "And of Germany? Answer in one word, please."),
                ChatMessage.of("assistant", "<think>\nGermany -> Berlin\n</think>\n\nBerlin."),
                ChatMessage.of("user", "Give me a haiku about both cities."),
                ChatMessage.of("assistant", "Seine light meets Spree,\nold stones whisper in two tongues,\nEurope's twin heartbeat."));
        List<Map<String, Object>> tools = List.of(Map.of("type", "function", "function", Map.of("name", "get_weather",
                "description", "Weather for a city", "parameters", Map.of("type", "object", "properties",
                        Map.of("city", Map.of("type", "string")), "required", List.of("city")))));
        for (List<Map<String, Object>> toolSet : List.of(List.<Map<String, Object>>of(), tools)) {
            int warmup = 20_000;
            int iterations = 50_000;
            long chars = 0;
            for (int i = 0; i < warmup; i++) {
                chars += template.render(conversation, toolSet, true, Map.of()).length();
            }
            java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
            long start = System.nanoTime();
            long cpuStart = threads.getCurrentThreadCpuTime();
            for (int i = 0; i < iterations; i++) {
                chars += template.render(conversation, toolSet, true, Map.of()).length();
            }
            double micros = (System.nanoTime() - start) / 1e3 / iterations;
            double cpuMicros = (threads.getCurrentThreadCpuTime() - cpuStart) / 1e3 / iterations;
            System.out.printf("Qwen3 template, 7 messages, %s: %.1f us/render wall, %.1f us/render CPU (%d chars checksum)%n",
                    toolSet.isEmpty() ? "no tools" : "1 tool", micros, cpuMicros, chars);
        }
    }
}
