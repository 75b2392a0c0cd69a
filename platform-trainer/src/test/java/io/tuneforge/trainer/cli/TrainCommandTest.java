package io.tuneforge.trainer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.tuneforge.trainer.Fixtures;
import io.tuneforge.trainer.data.TokenizedDataset;
import io.tuneforge.trainer.model.lora.PeftAdapter;
import io.tuneforge.trainer.training.TrainerLogWriter;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import picocli.CommandLine;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** ACCEPTANCE: LoRA on stories260K with LLaMA-Factory's identity data, then the adapter answers from that data. */
class TrainCommandTest {

    @TempDir
    Path dir;

    private static final JsonMapper JSON = JsonMapper.builder().build();

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

    /** identity.json with its placeholders filled in, registered in a dataset_info.json. */
    private Path identityData() throws IOException {
        Path data = Files.createDirectories(dir.resolve("data"));
        String identity = Files.readString(Fixtures.path("datasets/llama_factory/identity.json"))
                .replace("{{name}}", "Tuney").replace("{{author}}", "Forge Labs");
        Files.writeString(data.resolve("identity.json"), identity);
        Files.writeString(data.resolve("dataset_info.json"), "{\"identity\": {\"file_name\": \"identity.json\"}}");
        return data;
    }

    private Path config(String body) throws IOException {
        return Files.writeString(dir.resolve("train.yaml"), body);
    }

    @Test
    void loraOnIdentityLowersTheLossAndTheAdapterAnswersWhoItIs() throws IOException {
        Path model = Fixtures.stories260K();
        Path data = identityData();
        Path output = dir.resolve("out");
        Path yaml = config("""
                ### model
                model_name_or_path: %s
                ### method
                stage: sft
                do_train: true
                finetuning_type: lora
                lora_rank: 16
                lora_alpha: 32
                lora_target: all
                ### dataset
                dataset: identity
                dataset_dir: %s
                template: default
                cutoff_len: 96
                max_samples: 8
                val_size: 0
                overwrite_cache: true
                ### output
                output_dir: %s
                logging_steps: 5
                save_steps: 0
                eval_steps: 0
                plot_loss: true
                ### train
                per_device_train_batch_size: 8
                gradient_accumulation_steps: 1
                learning_rate: 2.0e-2
                num_train_epochs: 60
                lr_scheduler_type: cosine
                warmup_ratio: 0.05
                seed: 42
                """.formatted(model, data, output));

        int code = run("train", "--config", yaml.toString());

        assertThat(code).as(err + "\n" + console).isZero();
        assertThat(output.resolve(PeftAdapter.CONFIG_FILE)).exists();
        assertThat(output.resolve(PeftAdapter.WEIGHTS_FILE)).exists();
        List<JsonNode> logs = trainerLog(output);
        assertThat(logs.getFirst().has("current_steps")).isTrue();
        assertThat(logs.getFirst().has("total_tokens")).isTrue();
        double firstLoss = logs.getFirst().get("loss").asDouble();
        double lastLoss = logs.stream().filter(l -> l.has("loss") && !l.get("loss").isNull()).toList().getLast()
                .get("loss").asDouble();
        assertThat(lastLoss).isLessThan(firstLoss / 3);
        assertThat(console.toString()).contains("] ").contains("completed");

        StringWriter answer = new StringWriter();
        CommandLine generate = TrainerCli.newCommandLine();
        generate.setOut(new PrintWriter(answer));
        generate.setErr(new PrintWriter(err));
        int generated = generate.execute("generate", "--model", model.toString(), "--adapter", output.toString(),
                "--chat", "--template", "default", "--prompt", "Who are you?", "--temperature", "0",
                "--max-new-tokens", "40");

        assertThat(generated).as(err.toString()).isZero();
        assertThat(answer.toString()).contains("Tuney");
    }

    private static List<JsonNode> trainerLog(Path output) throws IOException {
        JsonMapper json = JsonMapper.builder().build();
        return Files.readAllLines(output.resolve(TrainerLogWriter.FILE_NAME)).stream().map(json::readTree).toList();
    }

    /**
     * A config with every key of LLaMA-Factory's own {@code examples/train_lora/qwen3_lora_sft.yaml} (its machinery
     * keys included, {@code bf16: true} too) runs with only the model, the data folder and the step count changed.
     */
    @Test
    void aLlamaFactoryExampleConfigRunsWithOnlyPathsAndStepsChanged() throws IOException {
        Path output = dir.resolve("saves/qwen3/lora/sft");
        Path yaml = config("""
                ### model
                model_name_or_path: %s
                trust_remote_code: true
                ### method
                stage: sft
                do_train: true
                finetuning_type: lora
                lora_rank: 8
                lora_target: all
                ### dataset
                dataset: identity,alpaca_en_demo
                dataset_dir: %s
                template: qwen3_nothink
                cutoff_len: 2048
                max_samples: 6
                preprocessing_num_workers: 16
                dataloader_num_workers: 4
                ### output
                output_dir: %s
                logging_steps: 10
                save_steps: 500
                plot_loss: true
                overwrite_output_dir: true
                save_only_model: false
                report_to: none  # choices: [none, wandb, tensorboard, swanlab, mlflow]
                ### train
                per_device_train_batch_size: 1
                gradient_accumulation_steps: 2
                bf16: true
                learning_rate: 1.0e-4
                max_steps: 2
                lr_scheduler_type: cosine
                warmup_ratio: 0.1
                ddp_timeout: 180000000
                resume_from_checkpoint: null
                """.formatted(Fixtures.stories260K(), Fixtures.path("datasets/llama_factory"), output));

        int code = run("train", "--config", yaml.toString());

        assertThat(code).as(err + "\n" + console).isZero();
        assertThat(output.resolve(PeftAdapter.WEIGHTS_FILE)).exists();
        assertThat(console.toString()).contains("template qwen3_nothink").contains("completed after 2/2 steps");
    }

    /**
     * LLaMA-Factory's {@code examples/extras/nlg_eval/llama3_lora_predict.yaml} (its keys, paths and sizes changed): a
     * prediction run with the trained adapter writes generated_predictions.jsonl and predict_results.json with
     * LLaMA-Factory's names; without predict_with_generate it reports the loss; beside do_train: true it is refused.
     */
    @Test
    void aLlamaFactoryPredictionConfigAnswersTheEvalDatasetAndScoresIt() throws IOException {
        Path adapter = dir.resolve("saves/lora/sft");
        assertThat(run("train", "--config", config("""
                model_name_or_path: %s
                stage: sft
                finetuning_type: lora
                dataset: identity
                dataset_dir: %s
                template: default
                cutoff_len: 128
                max_samples: 8
                output_dir: %s
                max_steps: 2
                """.formatted(Fixtures.stories260K(), identityData(), adapter)).toString())).as(err.toString()).isZero();
        Path predictions = dir.resolve("saves/lora/predict");
        String predict = """
                ### model
                model_name_or_path: %s
                adapter_name_or_path: %s
                trust_remote_code: true
                ### method
                stage: sft
                do_predict: true
                finetuning_type: lora
                ### dataset
                eval_dataset: identity
                dataset_dir: %s
                template: default
                cutoff_len: 128
                max_samples: 3
                overwrite_cache: true
                preprocessing_num_workers: 16
                dataloader_num_workers: 4
                ### output
                output_dir: %s
                overwrite_output_dir: true
                report_to: none
                ### eval
                per_device_eval_batch_size: 2
                predict_with_generate: %s
                max_new_tokens: 8
                ddp_timeout: 180000000
                """;

        int code = run("train", "--config", config(predict.formatted(Fixtures.stories260K(), adapter, identityData(),
                predictions, true)).toString());

        assertThat(code).as(err + "\n" + console).isZero();
        List<String> lines = Files.readAllLines(predictions.resolve("generated_predictions.jsonl"));
        assertThat(lines).hasSize(3).allSatisfy(line -> assertThat(JSON.readTree(line).propertyNames())
                .containsExactly("prompt", "predict", "label"));
        JsonNode results = JSON.readTree(predictions.resolve("predict_results.json").toFile());
        assertThat(results.propertyNames()).contains("predict_bleu-4", "predict_rouge-1", "predict_rouge-2",
                "predict_rouge-l", "predict_runtime", "predict_samples_per_second", "predict_steps_per_second");
        assertThat(results.path("predict_rouge-l").asDouble()).isBetween(0.0, 100.0);
        assertThat(predictions.resolve("all_results.json")).exists();

        assertThat(run("train", "--config", config(predict.formatted(Fixtures.stories260K(), adapter,
                identityData(), predictions, false)).toString())).as(err.toString()).isZero();
        JsonNode loss = JSON.readTree(predictions.resolve("predict_results.json").toFile());
        assertThat(loss.path("predict_loss").asDouble()).isPositive();
        assertThat(loss.has("predict_bleu-4")).isFalse();

        Path both = config(predict.formatted(Fixtures.stories260K(), adapter, identityData(), predictions, true)
                + "do_train: true\n");
        assertThat(run("train", "--config", both.toString())).isEqualTo(1);
        assertThat(err.toString()).contains("do_predict").contains("do_train: false");
    }

    /**
     * LLaMA-Factory's {@code examples/train_lora/qwen3_preprocess.yaml}: the first run tokenizes, keeps the set at
     * tokenized_path and trains; the second reads it instead of the data and trains the same; a run with another
     * cutoff_len is refused naming what differs.
     */
    @Test
    void tokenizedPathKeepsTheTokenizedSetForLaterRuns() throws IOException {
        Path tokenized = dir.resolve("saves/qwen3-4b/dataset/sft");
        String yaml = """
                model_name_or_path: %s
                trust_remote_code: true
                stage: sft
                do_train: true
                finetuning_type: lora
                lora_rank: 8
                lora_target: all
                dataset: identity,alpaca_en_demo
                dataset_dir: %s
                template: default
                cutoff_len: %d
                max_samples: 6
                preprocessing_num_workers: 16
                tokenized_path: %s
                output_dir: %s
                overwrite_output_dir: true
                max_steps: 2
                seed: 3
                """;
        Path data = Fixtures.path("datasets/llama_factory");
        assertThat(run("train", "--config", config(yaml.formatted(Fixtures.stories260K(), data, 128, tokenized,
                dir.resolve("first"))).toString())).as(err + "\n" + console).isZero();
        assertThat(tokenized.resolve(TokenizedDataset.DESCRIPTION)).exists();
        assertThat(console.toString()).contains("saved to tokenized_path");

        console.reset();
        assertThat(run("train", "--config", config(yaml.formatted(Fixtures.stories260K(), data, 128, tokenized,
                dir.resolve("second"))).toString())).as(err + "\n" + console).isZero();
        assertThat(console.toString()).contains("read from tokenized_path");
        assertThat(losses(dir.resolve("second"))).isEqualTo(losses(dir.resolve("first")));

        assertThat(run("train", "--config", config(yaml.formatted(Fixtures.stories260K(), data, 64, tokenized,
                dir.resolve("third"))).toString())).isEqualTo(1);
        assertThat(err.toString()).contains("tokenized_path").contains("cutoff_len 128 (this run: 64)");
    }

    private static List<Double> losses(Path outputDir) throws IOException {
        return Files.readAllLines(outputDir.resolve("trainer_log.jsonl")).stream()
                .map(line -> JSON.readTree(line).path("loss")).filter(JsonNode::isNumber)
                .map(JsonNode::asDouble).toList();
    }

    @Test
    void unknownKeyIsAnErrorNamingIt() throws IOException {
        Path yaml = config("model_name_or_path: x\ndataset: identity\nlearning_rat: 1e-4\n");

        int code = run("train", "--config", yaml.toString());

        assertThat(code).isEqualTo(1);
        assertThat(err.toString()).contains("unknown key 'learning_rat'");
    }

    @Test
    void unsupportedLlamaFactoryKeysAreRefusedWithTheReason() throws IOException {
        Path yaml = config("model_name_or_path: x\ndataset: identity\nquantization_bit: 4\nquantization_method: gptq\n");

        assertThat(run("train", "--config", yaml.toString())).isEqualTo(1);
        assertThat(err.toString()).contains("quantization_method").contains("quantized ahead of time")
                .contains("quantization_method bnb");

        Path ppo = config("model_name_or_path: x\ndataset: identity\nstage: ppo\nreward_model_adapters: a\n");
        assertThat(run("train", "--config", ppo.toString())).isEqualTo(1);
        assertThat(err.toString()).contains("reward_model_adapters").contains("reward-model run's folder");
    }

    @Test
    void stageRmTrainsARewardModelThatScoreReads() throws IOException {
        Path output = dir.resolve("rm");
        Path yaml = config("""
                model_name_or_path: %s
                stage: rm
                finetuning_type: lora
                lora_target: all
                dataset: dpo_en_demo
                dataset_dir: %s
                cutoff_len: 64
                max_samples: 4
                per_device_train_batch_size: 2
                max_steps: 2
                logging_steps: 1
                output_dir: %s
                """.formatted(Fixtures.stories260K(), Fixtures.path("datasets/llama_factory"), output));

        assertThat(run("train", "--config", yaml.toString())).as(err.toString()).isZero();
        assertThat(output.resolve("value_head.safetensors")).isRegularFile();
        assertThat(output.resolve("adapter_model.safetensors")).isRegularFile();
        assertThat(Files.readString(output.resolve("trainer_log.jsonl"))).contains("rewards/accuracies");

        assertThat(run("score", "--model", Fixtures.stories260K().toString(), "--reward-model", output.toString(),
                "--prompt", "Who is the cat?", "--response", "The cat is Tom.")).as(err.toString()).isZero();
        assertThat(out.toString()).containsPattern("\\{\"reward\":-?[0-9.E-]+\\}");
    }

    @Test
    void taskTypeSeqClsTrainsAClassificationHeadSavedAsPeftSavesIt() throws IOException {
        Path data = dir.resolve("who.jsonl");
        StringBuilder rows = new StringBuilder();
        for (String who : List.of("dog", "cat", "bird", "girl", "boy", "mom")) {
            rows.append("{\"text\": \"The ").append(who).append(" ran.\", \"label\": \"")
                    .append(List.of("girl", "boy", "mom").contains(who) ? "person" : "animal").append("\"}\n");
        }
        Files.writeString(data, rows);
        Path output = dir.resolve("head");
        Path yaml = config("""
                model_name_or_path: %s
                task_type: seq_cls
                dataset: %s
                cutoff_len: 32
                per_device_train_batch_size: 3
                max_steps: 2
                logging_steps: 1
                output_dir: %s
                """.formatted(Fixtures.stories260K(), data, output));

        assertThat(run("train", "--config", yaml.toString())).as(err.toString()).isZero();
        assertThat(Files.readString(output.resolve("adapter_config.json"))).contains("\"SEQ_CLS\"");
        assertThat(Files.readString(output.resolve("classification_head.json")))
                .contains("LlamaForSequenceClassification").contains("\"0\" : \"animal\"")
                .contains("\"1\" : \"person\"");
    }

    @Test
    void stagePpoRefusesAMissingOrWrongRewardModelNamingIt() throws IOException {
        String base = """
                model_name_or_path: %s
                stage: ppo
                dataset: identity
                dataset_dir: %s
                max_steps: 1
                output_dir: %s
                """.formatted(Fixtures.stories260K(), identityData(), dir.resolve("ppo"));

        assertThat(run("train", "--config", config(base).toString())).isEqualTo(1);
        assertThat(err.toString()).contains("reward_model is required for stage ppo");

        Path notRm = Files.createDirectories(dir.resolve("not-rm"));
        assertThat(run("train", "--config", config(base + "reward_model: " + notRm + "\n").toString())).isEqualTo(1);
        assertThat(err.toString()).contains("reward_model: " + notRm).contains("value_head.safetensors");
    }

    @Test
    void stageDpoRefusesADatasetWithoutPairs() throws IOException {
        Path yaml = config("""
                model_name_or_path: %s
                stage: dpo
                dataset: identity
                dataset_dir: %s
                max_steps: 1
                output_dir: %s
                """.formatted(Fixtures.stories260K(), identityData(), dir.resolve("dpo")));

        assertThat(run("train", "--config", yaml.toString())).isEqualTo(1);
        assertThat(err.toString()).contains("identity").contains("chosen/rejected");
    }
}
