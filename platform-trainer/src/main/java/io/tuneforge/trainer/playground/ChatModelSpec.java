package io.tuneforge.trainer.playground;

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
 */
public record ChatModelSpec(String label, Path modelDir, Optional<Path> adapterDir) {

    public ChatModelSpec {
        modelDir = modelDir.toAbsolutePath().normalize();
        adapterDir = adapterDir.map(p -> p.toAbsolutePath().normalize());
    }

    /** A base model as it is. */
    public static ChatModelSpec base(String label, Path modelDir) {
        return new ChatModelSpec(label, modelDir, Optional.empty());
    }

    /**
     * A tuned model from a job's result folder: a PEFT adapter is applied on {@code baseDir}; a full model folder
     * (merged, or the result of full / freeze tuning) is loaded by itself.
     *
     * @throws PlaygroundException when the folder is neither
     */
    public static ChatModelSpec tuned(String label, Path baseDir, Path resultDir) {
        if (Files.isRegularFile(resultDir.resolve(PeftAdapter.CONFIG_FILE))) {
            return new ChatModelSpec(label, baseDir, Optional.of(resultDir));
        }
        if (Files.isRegularFile(resultDir.resolve("config.json"))) {
            return base(label, resultDir);
        }
        throw new PlaygroundException("The result of " + label + " in " + resultDir + " is neither a PEFT adapter ("
                + PeftAdapter.CONFIG_FILE + ") nor a model folder (config.json)");
    }

    /** What identifies a loaded model in the cache. */
    Key key() {
        return new Key(modelDir, adapterDir);
    }

    /** Cache key: the folders, not the label. */
    record Key(Path modelDir, Optional<Path> adapterDir) {
    }
}
