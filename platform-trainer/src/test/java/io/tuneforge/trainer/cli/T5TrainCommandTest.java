package io.tuneforge.trainer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.tuneforge.trainer.model.lora.PeftAdapter;
import io.tuneforge.trainer.model.safetensors.SafetensorsReader;
import io.tuneforge.trainer.training.TrainerLogWriter;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A Flan-T5 (the engine's tiny random flant5-tiny checkpoint with its character tokenizer, DD036) through the CLI:
 * {@code train --config} with LoRA on Alpaca rows (instruction + input → output, template auto) lowers the loss and
 * writes a SEQ_2_SEQ_LM adapter; {@code merge} writes exactly transformers' T5 keys; {@code export-gguf} refuses T5
 * naming why.
 */
class T5TrainCommandTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    /** The engine's tiny T5 checkpoints, from this module's folder. */
    private static final Path CHECKPOINT = Path.of("engine", "src", "test", "resources", "models", "flant5-tiny");

    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();
    private final ByteArrayOutputStream console = new ByteArrayOutputStream();

    private int run(String... args) {
        CommandLine cli = TrainerCli.newCommandLine();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        CommandLine train = cli.getSubcommands().get("train");
        ((TrainCommand) train.getCommand()).console = new PrintStream(console, true, StandardCharsets.UTF_8);
        return cli.execute(args);
    }

    @Test
    void loraOnAlpacaRowsLowersTheLossMergesToTransformersKeysAndGgufIsRefused() throws IOException {
        Path model = Files.createDirectories(dir.resolve("flant5"));
        for (String file : List.of("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json")) {
            Files.copy(CHECKPOINT.resolve(file), model.resolve(file));
        }
        Path data = dir.resolve("alpaca.json");
        Files.writeString(data, """
                [{"instruction": "Is it hot?", "input": "fire", "output": "yes"},
                 {"instruction": "Is it hot?", "input": "ice", "output": "no"},
                 {"instruction": "Is it wet?", "input": "rain", "output": "yes"},
                 {"instruction": "Is it wet?", "input": "sand", "output": "no"}]
                """);
        Path output = dir.resolve("out");
        Path yaml = Files.writeString(dir.resolve("train.yaml"), """
                model_name_or_path: %s
                stage: sft
                finetuning_type: lora
                lora_rank: 8
                lora_alpha: 16
                lora_target: all
                dataset: %s
                template: auto
                cutoff_len: 64
                val_size: 0
                output_dir: %s
                logging_steps: 1
                save_steps: 0
                per_device_train_batch_size: 4
                learning_rate: 2.0e-2
                num_train_epochs: 30
                seed: 3
                """.formatted(model, data, output));

        assertThat(run("train", "--config", yaml.toString())).as(err + "\n" + console).isZero();

        List<JsonNode> logs = Files.readAllLines(output.resolve(TrainerLogWriter.FILE_NAME)).stream()
                .map(JSON::readTree).filter(l -> l.has("loss") && !l.get("loss").isNull()).toList();
        assertThat(logs.getLast().get("loss").asDouble()).isLessThan(logs.getFirst().get("loss").asDouble() / 3);
        assertThat(Files.readString(output.resolve(PeftAdapter.CONFIG_FILE))).contains("\"SEQ_2_SEQ_LM\"");

        CommandLine merge = TrainerCli.newCommandLine();
        merge.setOut(new PrintWriter(new StringWriter()));
        merge.setErr(new PrintWriter(err));
        Path merged = dir.resolve("merged");
        assertThat(merge.execute("merge", "--model", model.toString(), "--adapter", output.toString(), "--out",
                merged.toString())).as(err.toString()).isZero();
        List<String> transformersKeys = new ArrayList<>();
        JSON.readTree(CHECKPOINT.resolve("reference.json").toFile()).path("checkpoint_keys")
                .forEach(k -> transformersKeys.add(k.asString()));
        try (SafetensorsReader reader = SafetensorsReader.open(merged)) {
            assertThat(reader.names()).containsExactlyInAnyOrderElementsOf(transformersKeys);
        }
        assertThat(JSON.readTree(merged.resolve("config.json").toFile()).path("architectures").get(0).asString())
                .isEqualTo("T5ForConditionalGeneration");

        String fromAdapter = generate("--model", model.toString(), "--adapter", output.toString());
        String fromMerged = generate("--model", merged.toString());
        assertThat(fromMerged).isEqualTo(fromAdapter).isNotBlank();

        StringWriter gguf = new StringWriter();
        CommandLine export = TrainerCli.newCommandLine();
        export.setOut(new PrintWriter(new StringWriter()));
        export.setErr(new PrintWriter(gguf));
        assertThat(export.execute("export-gguf", "--model", merged.toString(), "--out",
                dir.resolve("t5.gguf").toString())).isNotZero();
        assertThat(gguf.toString()).contains("T5ForConditionalGeneration").contains("encoder-decoder");
    }

    /** Greedy answer of {@code generate --chat} (template auto: the t5 layout) to a training prompt. */
    private String generate(String... model) {
        StringWriter answer = new StringWriter();
        CommandLine generate = TrainerCli.newCommandLine();
        generate.setOut(new PrintWriter(answer));
        generate.setErr(new PrintWriter(err));
        List<String> args = new ArrayList<>(List.of("generate"));
        args.addAll(List.of(model));
        args.addAll(List.of("--chat", "--prompt", "Is it hot?\nfire", "--temperature", "0", "--max-new-tokens", "4"));
        assertThat(generate.execute(args.toArray(String[]::new))).as(err.toString()).isZero();
        return answer.toString();
    }

    @Test
    void aTemplateThatWritesNoEosAfterThePromptIsRefusedNamingTheFix() throws IOException {
        Path model = Files.createDirectories(dir.resolve("flant5"));
        for (String file : List.of("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json")) {
            Files.copy(CHECKPOINT.resolve(file), model.resolve(file));
        }
        Path data = Files.writeString(dir.resolve("alpaca.json"),
                "[{\"instruction\": \"Is it hot?\", \"input\": \"fire\", \"output\": \"yes\"}]");
        Path yaml = Files.writeString(dir.resolve("train.yaml"), """
                model_name_or_path: %s
                dataset: %s
                template: alpaca
                val_size: 0
                max_steps: 1
                output_dir: %s
                """.formatted(model, data, dir.resolve("out")));

        assertThat(run("train", "--config", yaml.toString())).isEqualTo(1);
        assertThat(err.toString()).contains("template alpaca writes no </s>").contains("use template auto");
    }
}
