package io.tuneforge.trainer.playground;

import io.tuneforge.trainer.model.Precision;
import io.tuneforge.trainer.model.lora.PeftAdapter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Which model to chat with: a Hugging Face model folder, optionally with a PEFT LoRA adapter applied on top.
 *
 * @param label     how messages name the model (e.g. the registered name or the job's run name)
 * @param modelDir  the model folder (config.json, *.safetensors, tokenizer files)
 * @param adapterDir a PEFT adapter folder (adapter_config.json + adapter_model.safetensors) to apply, if any
 * @param precision what the model computes in on the CPU: a bf16 job's model answers in bf16 (its base held in
 *                  bfloat16) where the host computes it natively
 */
public record ChatModelSpec(String label, Path modelDir, Optional<Path> adapterDir, Precision precision) {

    public ChatModelSpec {
        modelDir = modelDir.toAbsolutePath().normalize();
        adapterDir = adapterDir.map(p -> p.toAbsolutePath().normalize());
    }

    /** A base model as it is. */
    public static ChatModelSpec base(String label, Path modelDir) {
        return new ChatModelSpec(label, modelDir, Optional.empty(), Precision.FP32);
    }

    /**
     * A tuned model from a job's result folder: a PEFT adapter is applied on {@code baseDir}; a full model folder
     * (merged, or the result of full / freeze tuning) is loaded by itself; it computes in the job's precision
     * ({@code trainedIn}) where this host can.
     *
     * @throws PlaygroundException when the folder is neither
     */
    public static ChatModelSpec tuned(String label, Path baseDir, Path resultDir, Precision trainedIn) {
        Precision precision = trainedIn.forInferenceOnThisHost();
        if (Files.isRegularFile(resultDir.resolve(PeftAdapter.CONFIG_FILE))) {
            return new ChatModelSpec(label, baseDir, Optional.of(resultDir), precision);
        }
        if (Files.isRegularFile(resultDir.resolve("config.json"))) {
            return new ChatModelSpec(label, resultDir, Optional.empty(), precision);
        }
        throw new PlaygroundException("The result of " + label + " in " + resultDir + " is neither a PEFT adapter ("
                + PeftAdapter.CONFIG_FILE + ") nor a model folder (config.json)");
    }

    /** What identifies a loaded model in the cache. */
    Key key() {
        return new Key(modelDir, adapterDir, precision);
    }

    /** Cache key: the folders and the precision, not the label. */
    record Key(Path modelDir, Optional<Path> adapterDir, Precision precision) {
    }
}
