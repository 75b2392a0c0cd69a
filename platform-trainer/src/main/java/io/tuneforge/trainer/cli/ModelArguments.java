package io.tuneforge.trainer.cli;

import io.tuneforge.trainer.model.AdapterFiles;
import io.tuneforge.trainer.device.DeviceSpec;
import io.tuneforge.trainer.model.LlamaModel;
import io.tuneforge.trainer.model.ModelOptions;

import java.io.IOException;
import java.nio.file.Path;

import picocli.CommandLine.Option;

/** The options every inference command shares: model folder, optional PEFT adapter, device. */
final class ModelArguments {

    @Option(names = "--model", required = true, paramLabel = "DIR",
            description = "Hugging Face model folder (config.json, *.safetensors, tokenizer.json).")
    Path model;

    @Option(names = "--adapter", paramLabel = "DIR",
            description = "PEFT LoRA adapter folder (adapter_config.json + adapter_model.safetensors) to apply.")
    Path adapter;

    @Option(names = "--device", paramLabel = "DEVICE", defaultValue = "cpu",
            description = "cpu, cuda or cuda:N (default: ${DEFAULT-VALUE}). CUDA needs a CUDA libtorch, see README.")
    String device;

    /** Loads the model (fp16 frozen base on CUDA) with the adapter applied, frozen. */
    LlamaModel load() throws IOException {
        LlamaModel loaded = LlamaModel.load(model, ModelOptions.inference(DeviceSpec.parse(device)));
        try {
            if (adapter != null) {
                AdapterFiles.load(loaded, adapter, false);
            }
            return loaded;
        } catch (RuntimeException | IOException e) {
            loaded.close();
            throw e;
        }
    }
}
