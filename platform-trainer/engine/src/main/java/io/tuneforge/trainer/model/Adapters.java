package io.tuneforge.trainer.model;

import io.tuneforge.trainer.model.lora.PeftAdapter;
import io.tuneforge.trainer.model.oft.OftAdapter;

import java.io.IOException;
import java.nio.file.Path;

/** Loads a PEFT adapter directory of either kind TuneForge trains: OFT (peft_type "OFT") or LoRA (the rest). */
public final class Adapters {

    private Adapters() {
    }

    /** Attaches the adapter in {@code directory} to {@code model}, frozen or {@code trainable}. */
    public static void load(LlamaModel model, Path directory, boolean trainable) throws IOException {
        if (OftAdapter.isOft(directory)) {
            OftAdapter.load(model, directory, trainable);
        } else {
            PeftAdapter.load(model, directory, trainable);
        }
    }
}
