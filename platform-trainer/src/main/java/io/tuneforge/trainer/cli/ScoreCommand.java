package io.tuneforge.trainer.cli;

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
 */
@Command(name = "score", mixinStandardHelpOptions = true,
        description = "Score a text: prints JSON with token count, mean negative log-likelihood (nats) and perplexity.")
public final class ScoreCommand implements Callable<Integer> {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    ModelArguments modelArguments = new ModelArguments();

    @Option(names = "--text-file", required = true, paramLabel = "FILE", description = "UTF-8 text to score.")
    Path textFile;

    @Override
    public Integer call() throws Exception {
        try (LlamaModel model = modelArguments.load();
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
}
