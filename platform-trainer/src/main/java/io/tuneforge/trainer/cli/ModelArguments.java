package io.tuneforge.trainer.cli;

import io.tuneforge.trainer.model.AdapterFiles;
import io.tuneforge.trainer.device.DeviceSpec;
import io.tuneforge.trainer.model.CausalLanguageModel;
import io.tuneforge.trainer.model.LlamaModel;
import io.tuneforge.trainer.model.ModelConfig;
import io.tuneforge.trainer.model.T5Model;
import io.tuneforge.trainer.model.lora.PeftAdapter;
import io.tuneforge.trainer.model.ModelOptions;
import io.tuneforge.trainer.model.Precision;

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

    @Option(names = "--precision", defaultValue = "fp32", paramLabel = "P",
            description = "fp32 (default) or bf16 on the CPU: the base held in bfloat16 and computed in it, as a bf16 "
                    + "job trains (needs AVX512-BF16 or AMX).")
    String precision;

    /**
     * Loads the model (fp16 frozen base on CUDA; bf16 on the CPU if asked) with the adapter applied, frozen; a T5 /
     * Flan-T5 (DD036) loads in float32 with its LoRA adapter.
     */
    CausalLanguageModel load() throws IOException {
        if (ModelConfig.load(model).architecture().isEncoderDecoder()) {
            T5Model t5 = T5Model.load(model, ModelOptions.inference(DeviceSpec.parse(device)));
            try {
                if (adapter != null) {
                    PeftAdapter.load(t5, adapter, false);
                }
                return t5;
            } catch (RuntimeException | IOException e) {
                t5.close();
                throw e;
            }
        }
        LlamaModel loaded = LlamaModel.load(model, ModelOptions.inference(DeviceSpec.parse(device),
                Precision.parse(precision).requireOnThisHost()));
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
