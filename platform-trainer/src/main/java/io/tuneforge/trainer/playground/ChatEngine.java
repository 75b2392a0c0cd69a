package io.tuneforge.trainer.playground;

import io.tuneforge.trainer.generate.TextStream;
import io.tuneforge.trainer.model.ModelOptions;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * Chat with models held in a small cache: the conversation is rendered through the model's chat template (or a
 * built-in one) with the assistant's header appended, and the answer streams piece by piece until EOS, the template's
 * end of turn, the token limit, or a stop request. Requests on the same model run one after the other; requests on
 * different models run in parallel.
 */
public final class ChatEngine implements AutoCloseable {

    /** How often a request retries when its model was evicted between lookup and use. */
    private static final int ATTEMPTS = 3;

    private final ChatModelCache cache;

    /**
     * @param cacheSize models kept loaded at most (the least recently used is closed beyond it)
     * @param options   how models load (device, weight type); inference only
     */
    public ChatEngine(int cacheSize, ModelOptions options) {
        this.cache = new ChatModelCache(cacheSize, spec -> LoadedChatModel.load(spec, options));
    }

    /**
     * Answers {@code message} after the finished {@code history}.
     *
     * @param stream    receives the answer's text as it is generated (called on the calling thread)
     * @param cancelled checked between tokens (and while waiting for the model); true ends the answer early
     * @throws PlaygroundException when the model cannot be loaded or the template cannot render the conversation
     */
    public ChatReply chat(ChatModelSpec model, ChatSettings settings, List<ChatTurn> history, String message,
            TextStream stream, BooleanSupplier cancelled) {
        long start = System.nanoTime();
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            Optional<ChatReply> reply = cache.get(model).answer(settings, history, message, stream, cancelled, start);
            if (reply.isPresent()) {
                return reply.get();
            }
        }
        throw new PlaygroundException(model.label() + " was unloaded " + ATTEMPTS + " times while waiting for its "
                + "turn: too many different models are in use at once; try again");
    }

    /** The exact text the model is given for this conversation (template applied, generation prompt appended). */
    public String renderPrompt(ChatModelSpec model, ChatSettings settings, List<ChatTurn> history, String message) {
        return cache.get(model).render(settings, history, message);
    }

    /** True when the model's folders are loaded now. */
    public boolean isLoaded(ChatModelSpec model) {
        return cache.contains(model);
    }

    /** Closes every loaded model (waiting for running answers). */
    @Override
    public void close() {
        cache.close();
    }
}
