package io.tuneforge.trainer.playground;

import io.tuneforge.trainer.model.AdapterFiles;
import io.tuneforge.trainer.generate.GenerationConfig;
import io.tuneforge.trainer.generate.GenerationResult;
import io.tuneforge.trainer.generate.Generator;
import io.tuneforge.trainer.generate.StopReason;
import io.tuneforge.trainer.generate.TextStream;
import io.tuneforge.trainer.model.CausalLanguageModel;
import io.tuneforge.trainer.model.LlamaModel;
import io.tuneforge.trainer.model.ModelConfig;
import io.tuneforge.trainer.model.T5Model;
import io.tuneforge.trainer.model.lora.PeftAdapter;
import io.tuneforge.trainer.model.ModelOptions;
import io.tuneforge.trainer.template.ChatMessage;
import io.tuneforge.trainer.template.ChatTemplate;
import io.tuneforge.trainer.template.ChatTemplates;
import io.tuneforge.trainer.tokenizer.TextTokenizer;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;

/**
 * A model (with its adapter), tokenizer and chat templates held in memory for chatting. One generation runs on it at a
 * time (its lock); closing waits for the running one to end, and a closed model refuses further work.
 */
final class LoadedChatModel implements AutoCloseable {

    /** How often a request waiting for the model checks whether it was stopped. */
    private static final long WAIT_SLICE_MILLIS = 100;

    private final ChatModelSpec spec;
    private final CausalLanguageModel model;
    private final TextTokenizer tokenizer;
    private final Map<String, ChatTemplate> templates = new ConcurrentHashMap<>();
    private final ReentrantLock lock = new ReentrantLock();
    private volatile boolean closed;

    private LoadedChatModel(ChatModelSpec spec, CausalLanguageModel model, TextTokenizer tokenizer) {
        this.spec = spec;
        this.model = model;
        this.tokenizer = tokenizer;
    }

    /**
     * Loads the model folder, applies the adapter (frozen) and opens the tokenizer.
     *
     * @throws PlaygroundException naming the model and the reason when anything fails to load
     */
    static LoadedChatModel load(ChatModelSpec spec, ModelOptions options) {
        CausalLanguageModel model = null;
        try {
            if (ModelConfig.load(spec.modelDir()).architecture().isEncoderDecoder()) {
                T5Model t5 = T5Model.load(spec.modelDir(), ModelOptions.inference(options.device())); // float32 (DD036)
                model = t5;
                if (spec.adapterDir().isPresent()) {
                    PeftAdapter.load(t5, spec.adapterDir().get(), false);
                }
            } else {
                LlamaModel llama = LlamaModel.load(spec.modelDir(), spec.precision() == options.precision() ? options
                        : ModelOptions.inference(options.device(), spec.precision()));
                model = llama;
                if (spec.adapterDir().isPresent()) {
                    AdapterFiles.load(llama, spec.adapterDir().get(), false);
                }
            }
            return new LoadedChatModel(spec, model, TextTokenizer.load(spec.modelDir()));
        } catch (IOException | RuntimeException e) {
            if (model != null) {
                closeQuietly(model);
            }
            throw new PlaygroundException("Cannot load " + spec.label() + " from " + spec.modelDir()
                    + spec.adapterDir().map(a -> " with adapter " + a).orElse("") + ": " + reason(e), e);
        }
    }

    ChatModelSpec spec() {
        return spec;
    }

    boolean isClosed() {
        return closed;
    }

    /** The conversation as the model sees it: the chat template applied, with the assistant's header appended. */
    String render(ChatSettings settings, List<ChatTurn> history, String message) {
        ChatTemplate template = template(settings.template());
        try {
            return template.render(messages(settings, history, message), List.of(), true, Map.of());
        } catch (RuntimeException e) {
            throw new PlaygroundException("The chat template '" + template.name() + "' cannot render this "
                    + "conversation for " + spec.label() + ": " + reason(e), e);
        }
    }

    /**
     * Answers {@code message} after {@code history}, streaming the text; waits while another request uses this model.
     *
     * @return empty when the model was closed (evicted) before this request got it
     */
    Optional<ChatReply> answer(ChatSettings settings, List<ChatTurn> history, String message, TextStream stream,
            BooleanSupplier cancelled, long startNanos) {
        if (!acquire(cancelled)) {
            return closed ? Optional.empty() : Optional.of(stoppedBeforeStart(startNanos));
        }
        try {
            if (closed) {
                return Optional.empty();
            }
            return Optional.of(generate(settings, history, message, stream, cancelled, startNanos));
        } finally {
            lock.unlock();
        }
    }

    private ChatReply generate(ChatSettings settings, List<ChatTurn> history, String message, TextStream stream,
            BooleanSupplier cancelled, long startNanos) {
        ChatTemplate template = template(settings.template());
        int[] prompt = tokenizer.encodeWithBos(render(settings, history, message));
        int room = model.config().maxPositions() - prompt.length;
        if (room < 1) {
            throw new PlaygroundException("The conversation is " + prompt.length + " tokens, more than the "
                    + model.config().maxPositions() + " " + spec.label() + " can read: clear the conversation");
        }
        GenerationConfig config = settings.generationConfig(Math.min(settings.maxNewTokens(), room),
                template.stopStrings(), endOfTurnIds(template));
        GenerationResult result = new Generator(model, tokenizer).generate(prompt, config, stream, cancelled);
        return new ChatReply(result.text(), result.stopReason(), result.tokenIds().length, prompt.length,
                Duration.ofNanos(System.nanoTime() - startNanos));
    }

    /** Takes the lock, checking the stop flag and closing while waiting; false when stopped or closed first. */
    private boolean acquire(BooleanSupplier cancelled) {
        try {
            while (!closed && !cancelled.getAsBoolean()) {
                if (lock.tryLock(WAIT_SLICE_MILLIS, TimeUnit.MILLISECONDS)) {
                    return true;
                }
            }
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static ChatReply stoppedBeforeStart(long startNanos) {
        return new ChatReply("", StopReason.CANCELLED, 0, 0, Duration.ofNanos(System.nanoTime() - startNanos));
    }

    /**
     * Ids of the template's end-of-turn markers that are single added tokens ({@code <|im_end|>}, {@code <|eot_id|>}):
     * special tokens never reach the decoded text, so they must stop generation by id.
     */
    List<Integer> endOfTurnIds(ChatTemplate template) {
        List<Integer> ids = new ArrayList<>();
        for (String stop : template.stopStrings()) {
            tokenizer.tokenId(stop).ifPresent(id -> {
                if (tokenizer.addedToken(id).isPresent() && !ids.contains(id)) {
                    ids.add(id);
                }
            });
        }
        return ids;
    }

    private ChatTemplate template(Optional<String> name) {
        String key = name.orElse(ChatTemplates.MODEL);
        try {
            return templates.computeIfAbsent(key, k -> ChatTemplates.forModel(spec.modelDir(), Optional.of(k)));
        } catch (RuntimeException e) {
            throw new PlaygroundException("No chat template for " + spec.label() + ": " + reason(e), e);
        }
    }

    /** The conversation as chat messages: the system prompt if any, the finished turns, then the new message. */
    static List<ChatMessage> messages(ChatSettings settings, List<ChatTurn> history, String message) {
        List<ChatMessage> messages = new ArrayList<>();
        if (!settings.systemPrompt().isBlank()) {
            messages.add(ChatMessage.of("system", settings.systemPrompt()));
        }
        for (ChatTurn turn : history) {
            messages.add(ChatMessage.of("user", turn.user()));
            messages.add(ChatMessage.of("assistant", turn.assistant()));
        }
        messages.add(ChatMessage.of("user", message));
        return messages;
    }

    /** Waits for a running generation to end, then frees the model's memory. */
    @Override
    public void close() {
        lock.lock();
        try {
            if (!closed) {
                closed = true;
                tokenizer.close();
                closeQuietly(model);
            }
        } finally {
            lock.unlock();
        }
    }

    /** Closes a model (LlamaModel and T5Model close without checked exceptions). */
    private static void closeQuietly(CausalLanguageModel model) {
        try {
            model.close();
        } catch (Exception e) {
            throw new IllegalStateException("closing the model failed", e);
        }
    }

    private static String reason(Throwable e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
}
