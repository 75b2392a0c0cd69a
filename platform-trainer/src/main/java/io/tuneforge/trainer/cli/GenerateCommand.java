package io.tuneforge.trainer.cli;

import ai.djl.pytorch.jni.JniUtils;
import io.tuneforge.trainer.device.DeviceException;
import io.tuneforge.trainer.generate.GenerationConfig;
import io.tuneforge.trainer.generate.Generator;
import io.tuneforge.trainer.model.CausalLanguageModel;
import io.tuneforge.trainer.model.ModelConfigException;
import io.tuneforge.trainer.model.safetensors.SafetensorsException;
import io.tuneforge.trainer.template.ChatMessage;
import io.tuneforge.trainer.template.ChatTemplate;
import io.tuneforge.trainer.template.ChatTemplates;
import io.tuneforge.trainer.template.TemplateException;
import io.tuneforge.trainer.tokenizer.TextTokenizer;
import io.tuneforge.trainer.tokenizer.TokenizerException;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.Callable;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code generate}: prints only the generated text on stdout (streamed as it is decoded, then a newline); everything
 * else goes to stderr. Exit 1 with one clear line on a bad model, adapter, device or template.
 */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Generate text with a model (and optional LoRA adapter); prints only the generated text.")
public final class GenerateCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    ModelArguments modelArguments = new ModelArguments();

    @Option(names = "--prompt", required = true, paramLabel = "TEXT",
            description = "The prompt; empty starts from BOS alone.")
    String prompt;

    @Option(names = "--chat", description = "Wrap the prompt as a user message in the model's chat template.")
    boolean chat;

    @Option(names = "--template", paramLabel = "NAME",
            description = "With --chat: a LLaMA-Factory template name instead of the model's own (else its family's).")
    String template;

    @Option(names = "--system", paramLabel = "TEXT", description = "With --chat: a system message.")
    String system;

    @Option(names = "--max-new-tokens", paramLabel = "N", defaultValue = "256",
            description = "Generate at most N tokens (default: ${DEFAULT-VALUE}).")
    int maxNewTokens;

    @Option(names = "--temperature", paramLabel = "T", defaultValue = "0.7",
            description = "Sampling temperature; 0 = greedy (default: ${DEFAULT-VALUE}).")
    double temperature;

    @Option(names = "--top-p", paramLabel = "P", defaultValue = "1.0",
            description = "Nucleus sampling mass (default: ${DEFAULT-VALUE}).")
    double topP;

    @Option(names = "--top-k", paramLabel = "K", defaultValue = "0",
            description = "Keep only the K most likely tokens; 0 = off (default: ${DEFAULT-VALUE}).")
    int topK;

    @Option(names = "--repetition-penalty", paramLabel = "R", defaultValue = "1.0",
            description = "Penalty for repeating tokens; 1 = off (default: ${DEFAULT-VALUE}).")
    double repetitionPenalty;

    @Option(names = "--seed", paramLabel = "S", description = "Seed for reproducible sampling.")
    Long seed;

    @Option(names = "--stop", paramLabel = "TEXT", description = "Stop before this text (repeatable).")
    List<String> stops = new ArrayList<>();

    @Option(names = "--threads", paramLabel = "N", defaultValue = "1",
            description = "CPU threads for libtorch ops (default: ${DEFAULT-VALUE}). Decoding one token at a time is "
                    + "dominated by per-op overhead, where more threads mostly add synchronisation (stories260K, "
                    + "200 tokens: 6.9 s with 1 thread, 39 s with 2 on a busy 2-core machine).")
    int threads;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        int previousThreads = -1;
        try (CausalLanguageModel model = modelArguments.load();
             TextTokenizer tokenizer = TextTokenizer.load(modelArguments.model)) {
            if (threads > 0) {
                previousThreads = JniUtils.getNumThreads();
                JniUtils.setNumThreads(threads);
            }
            List<String> stopStrings = new ArrayList<>(stops);
            int[] ids;
            if (chat) {
                ChatTemplate chatTemplate = ChatTemplates.forModel(modelArguments.model, Optional.ofNullable(template));
                List<ChatMessage> messages = new ArrayList<>();
                if (system != null) {
                    messages.add(ChatMessage.of("system", system));
                }
                messages.add(ChatMessage.of("user", prompt));
                String rendered = chatTemplate.render(messages, List.of(), true, Map.of());
                ids = tokenizer.encodeWithBos(rendered);
                stopStrings.addAll(chatTemplate.stopStrings());
            } else {
                ids = tokenizer.encodeWithBos(prompt);
            }
            GenerationConfig config = new GenerationConfig(maxNewTokens, temperature, topK, topP, repetitionPenalty,
                    seed == null ? OptionalLong.empty() : OptionalLong.of(seed), stopStrings, true);
            new Generator(model, tokenizer).generate(ids, config, piece -> {
                out.print(piece);
                out.flush();
            }, () -> false);
            out.println();
            out.flush();
            return 0;
        } catch (ModelConfigException | SafetensorsException | TokenizerException | DeviceException
                 | TemplateException | IllegalArgumentException e) {
            err.println("generate: " + e.getMessage());
            return 1;
        } finally {
            if (previousThreads > 0) {
                JniUtils.setNumThreads(previousThreads);          // in-process callers (tests) keep their setting
            }
        }
    }
}
