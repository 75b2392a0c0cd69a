package io.tuneforge.trainer.playground;

import io.tuneforge.core.job.JobMonitorService;
import io.tuneforge.core.job.TunedModel;
import io.tuneforge.core.model.BaseModelService;
import io.tuneforge.core.model.BaseModelSummary;
import io.tuneforge.core.user.Actor;
import io.tuneforge.trainer.device.DeviceSpec;
import io.tuneforge.trainer.model.ModelOptions;
import io.tuneforge.trainer.model.Precision;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Service;

/**
 * The playground: what a user may chat with (their team's base models and tuned models), and answers produced on a
 * few background threads and streamed to a listener. Every model a request names is checked against the user's team
 * before anything loads. Settings: {@code tuneforge.playground.cache-size} (models kept loaded, default 2),
 * {@code tuneforge.playground.device} ({@code cpu}, {@code cuda}, {@code cuda:N}; default cpu),
 * {@code tuneforge.playground.threads} (answers produced at once, default 2).
 */
@Service
public class PlaygroundService implements AutoCloseable {

    /** Prefix of a tuned model's name: {@code ft:<job id>}. */
    public static final String TUNED_PREFIX = "ft:";

    private static final Logger LOG = LoggerFactory.getLogger(PlaygroundService.class);

    private final BaseModelService baseModels;
    private final JobMonitorService jobs;
    private final ChatEngine engine;
    private final ExecutorService executor;

    public PlaygroundService(BaseModelService baseModels, JobMonitorService jobs,
            @Value("${tuneforge.playground.cache-size:2}") int cacheSize,
            @Value("${tuneforge.playground.device:cpu}") String device,
            @Value("${tuneforge.playground.threads:2}") int threads) {
        this.baseModels = baseModels;
        this.jobs = jobs;
        this.engine = new ChatEngine(cacheSize, ModelOptions.inference(DeviceSpec.parse(device)));
        this.executor = Executors.newFixedThreadPool(Math.max(1, threads),
                Thread.ofPlatform().daemon().name("playground-", 1).factory());
    }

    /**
     * The model a name stands for: {@code ft:<job id>} names a succeeded job's tuned model (access is checked when it
     * is used), anything else a base model the actor may use, by its name.
     *
     * @throws PlaygroundException when the name is missing, malformed or names no base model of the actor's
     */
    public ModelChoice modelNamed(Actor actor, String name) {
        if (name == null || name.isBlank()) {
            throw new PlaygroundException("model is missing: a base model's name or " + TUNED_PREFIX + "<job id>");
        }
        if (name.startsWith(TUNED_PREFIX)) {
            try {
                return new ModelChoice.Tuned(Long.parseLong(name.substring(TUNED_PREFIX.length()).strip()));
            } catch (NumberFormatException e) {
                throw new PlaygroundException("model \"" + name + "\": write a tuned model as " + TUNED_PREFIX
                        + "<job id>, e.g. ft:42");
            }
        }
        return baseModels.list(actor).stream().filter(m -> m.name().equals(name)).findFirst()
                .<ModelChoice>map(m -> new ModelChoice.Base(m.id()))
                .orElseThrow(() -> new PlaygroundException("model \"" + name + "\" is not a base model you may use "
                        + "(the Models page and GET /api/v1/models list them; " + TUNED_PREFIX
                        + "<job id> names a tuned model)"));
    }

    /** The base and tuned models the actor may pick (all for administrators). */
    public PlaygroundChoices choices(Actor actor) {
        return new PlaygroundChoices(baseModels.list(actor), jobs.tunedModels(actor));
    }

    /**
     * Starts answering {@code message} with the chosen model in the background; the listener gets the pieces and the
     * end. Access is checked here, before returning: another team's model is refused at once.
     *
     * @throws io.tuneforge.core.user.AccessRefusedException when the model belongs to another team
     * @throws PlaygroundException                           when the message is empty or the model is unknown
     */
    public RunningChat start(Actor actor, ModelChoice choice, ChatSettings settings, List<ChatTurn> history,
            String message, ChatListener listener) {
        if (message == null || message.isBlank()) {
            throw new PlaygroundException("Write a message first");
        }
        ChatModelSpec model = resolve(actor, choice);
        ChatSettings effective = withTrainingTemplate(actor, choice, settings);
        List<ChatTurn> turns = List.copyOf(history);
        RunningChat running = new RunningChat();
        try {
            executor.execute(() -> answer(model, effective, turns, message, listener, running));
        } catch (RejectedExecutionException e) {
            throw new PlaygroundException("The playground is shutting down", e);
        }
        return running;
    }

    /** The folders of the chosen model, after checking the actor may use it. */
    ChatModelSpec resolve(Actor actor, ModelChoice choice) {
        return switch (choice) {
            case ModelChoice.Base base -> {
                BaseModelSummary model = baseModels.get(actor, base.baseModelId());
                yield ChatModelSpec.base(model.name(), Path.of(model.path()));
            }
            case ModelChoice.Tuned tuned -> {
                TunedModel model = jobs.tunedModel(actor, tuned.jobId());
                yield ChatModelSpec.tuned(model.jobName(), model.baseModelPath(), model.path(),
                        model.bf16() ? Precision.BF16 : Precision.FP32);
            }
        };
    }

    /** A tuned model speaks in the format it was trained in unless the user picked a template. */
    private ChatSettings withTrainingTemplate(Actor actor, ModelChoice choice, ChatSettings settings) {
        if (settings.template().isPresent() || !(choice instanceof ModelChoice.Tuned tuned)) {
            return settings;
        }
        return jobs.tunedModel(actor, tuned.jobId()).template().map(settings::withTemplate).orElse(settings);
    }

    private void answer(ChatModelSpec model, ChatSettings settings, List<ChatTurn> history, String message,
            ChatListener listener, RunningChat running) {
        try {
            ChatReply reply = engine.chat(model, settings, history, message, listener::onText,
                    running::isStopRequested);
            listener.onFinished(reply);
        } catch (PlaygroundException e) {
            listener.onFailed(e.getMessage());
        } catch (RuntimeException | Error e) {
            LOG.error("Playground answer with {} failed", model.label(), e);
            listener.onFailed(model.label() + " failed while answering: " + e);
        } finally {
            running.finished();
        }
    }

    /** Stops the background threads and closes the loaded models. */
    @Override
    public void close() {
        executor.shutdownNow();
        engine.close();
    }
}
