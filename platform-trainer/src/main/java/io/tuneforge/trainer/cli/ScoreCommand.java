package io.tuneforge.trainer.cli;

import ai.djl.ndarray.NDManager;
import io.tuneforge.trainer.model.CausalLanguageModel;
import io.tuneforge.trainer.model.AdapterFiles;
import io.tuneforge.trainer.data.Example;
import io.tuneforge.trainer.data.TokenizedSample;
import io.tuneforge.trainer.data.encoding.ConversationEncoder;
import io.tuneforge.trainer.data.encoding.EncodingOptions;
import io.tuneforge.trainer.model.FineTuning;
import io.tuneforge.trainer.model.GradMode;
import io.tuneforge.trainer.model.ModelOptions;
import io.tuneforge.trainer.template.ChatMessage;
import io.tuneforge.trainer.template.ChatTemplate;
import io.tuneforge.trainer.template.ChatTemplates;
import io.tuneforge.trainer.training.Batch;
import io.tuneforge.trainer.training.reward.RewardModel;
import java.io.IOException;
import java.util.List;
import java.util.Optional;

import io.tuneforge.trainer.device.DeviceException;
import io.tuneforge.trainer.generate.Scorer;
import io.tuneforge.trainer.model.LlamaModel;
import io.tuneforge.trainer.model.ModelConfigException;
import io.tuneforge.trainer.model.safetensors.SafetensorsException;
import io.tuneforge.trainer.tokenizer.TextTokenizer;
import io.tuneforge.trainer.tokenizer.TokenizerException;

import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code score}: prints JSON {@code {"token_count": N, "mean_nll": x, "perplexity": y}} for a text file: the
 * file is tokenized as one document (BOS first when the model uses it) and every token after the first is scored.
 * With {@code --reward-model DIR --prompt ... --response ...} it prints {@code {"reward": r}}: the reward model
 * trained by stage rm (the adapter in DIR on {@code --model}, and DIR's {@code value_head.safetensors}) scores the
 * response to the prompt, rendered with the chat template as in training.
 */
@Command(name = "score", mixinStandardHelpOptions = true,
        description = "Score a text: prints JSON with token count, mean negative log-likelihood (nats) and perplexity.")
public final class ScoreCommand implements Callable<Integer> {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    ModelArguments modelArguments = new ModelArguments();

    @Option(names = "--text-file", paramLabel = "FILE", description = "UTF-8 text to score.")
    Path textFile;

    @Option(names = "--reward-model", paramLabel = "DIR",
            description = "A reward model trained with stage rm (adapter + value_head.safetensors): print its reward.")
    Path rewardModel;

    @Option(names = "--prompt", paramLabel = "TEXT", description = "With --reward-model: the user's prompt.")
    String prompt;

    @Option(names = "--response", paramLabel = "TEXT", description = "With --reward-model: the answer to score.")
    String response;

    @Option(names = "--template", paramLabel = "NAME", description = "With --reward-model: the chat template the "
            + "reward model was trained with (default: the model's own, as training resolves it).")
    String template;

    @Override
    public Integer call() throws Exception {
        if (rewardModel != null) {
            return reward();
        }
        if (textFile == null) {
            spec.commandLine().getErr().println("score: give --text-file FILE, or --reward-model DIR with --prompt "
                    + "and --response");
            return 1;
        }
        try (CausalLanguageModel model = modelArguments.load();
             TextTokenizer tokenizer = TextTokenizer.load(modelArguments.model)) {
            int[] ids = tokenizer.encodeWithBos(Files.readString(textFile));
            if (ids.length < 2) {
                spec.commandLine().getErr().println("score: " + textFile + " has fewer than two tokens; nothing to score");
                return 1;
            }
            Scorer.Score score = new Scorer(model).score(ids);
            ObjectNode json = JSON.createObjectNode();
            json.put("token_count", score.tokenCount());
            json.put("mean_nll", score.meanNll());
            json.put("perplexity", score.perplexity());
            spec.commandLine().getOut().println(JSON.writeValueAsString(json));
            return 0;
        } catch (NoSuchFileException e) {
            spec.commandLine().getErr().println("score: no such file: " + e.getFile());
            return 1;
        } catch (ModelConfigException | SafetensorsException | TokenizerException | DeviceException e) {
            spec.commandLine().getErr().println("score: " + e.getMessage());
            return 1;
        }
    }

    /** {@code {"reward": r}} of the response to the prompt under the reward model. */
    private int reward() throws Exception {
        if (prompt == null || response == null) {
            spec.commandLine().getErr().println("score: --reward-model needs --prompt and --response");
            return 1;
        }
        try (LlamaModel model = LlamaModel.load(modelArguments.model, ModelOptions.training(FineTuning.none(), 0));
             TextTokenizer tokenizer = TextTokenizer.load(modelArguments.model)) {
            if (Files.isRegularFile(rewardModel.resolve("adapter_config.json"))) {
                AdapterFiles.load(model, rewardModel, false);
            }
            RewardModel reward = RewardModel.withSavedHead(model, rewardModel);
            ChatTemplate chat = ChatTemplates.forModel(modelArguments.model, Optional.ofNullable(template));
            TokenizedSample sample = new ConversationEncoder(chat, tokenizer, EncodingOptions.defaults()
                    .withCutoff(Integer.MAX_VALUE)).encode(Example.chat(List.of(ChatMessage.of("user", prompt),
                    ChatMessage.of("assistant", response)), List.of())).sample();
            double value;
            try (GradMode off = GradMode.disabled(); NDManager step = NDManager.newBaseManager()) {
                value = reward.rewards(step, Batch.collate(List.of(sample), 0), false).getFloat(0);
            }
            ObjectNode json = JSON.createObjectNode();
            json.put("reward", value);
            spec.commandLine().getOut().println(JSON.writeValueAsString(json));
            return 0;
        } catch (IOException | ModelConfigException | SafetensorsException | TokenizerException e) {
            spec.commandLine().getErr().println("score: " + e.getMessage());
            return 1;
        }
    }
}
