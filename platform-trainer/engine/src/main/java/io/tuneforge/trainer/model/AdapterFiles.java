package io.tuneforge.trainer.model;

import io.tuneforge.trainer.model.bottleneck.BottleneckAdapters;
import io.tuneforge.trainer.model.lora.PeftAdapter;
import io.tuneforge.trainer.model.oft.OftAdapter;
import io.tuneforge.trainer.model.prefix.PeftPrefixTuning;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * Loads an adapter directory of any kind TuneForge trains onto a model, by the {@code peft_type} of its
 * {@code adapter_config.json}: LoRA ({@link PeftAdapter}), OFT ({@link OftAdapter}), prefix tuning ({@link PeftPrefixTuning}) or bottleneck
 * adapters ({@link BottleneckAdapters}). Train, evaluate, generate, score and the playground all load through here.
 */
public final class AdapterFiles {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private AdapterFiles() {
    }

    /** The kinds of adapter directory. */
    public enum Kind {
        /** PEFT LoRA (DoRA included): mergeable into the weights. */
        LORA,
        /** PEFT prefix tuning: stays beside the base. */
        PREFIX,
        /** Bottleneck adapters: stay beside the base. */
        BOTTLENECK,
        /** PEFT OFT: block rotations, mergeable into the weights. */
        OFT;

        /** Whether the adapter can be folded into the base weights (merge, GGUF export). */
        public boolean mergeable() {
            return this == LORA || this == OFT;
        }

        /** Why it cannot be merged (for messages), empty text for LoRA. */
        public String notMergeableReason() {
            return switch (this) {
                case LORA, OFT -> "";
                case PREFIX -> LlamaModel.notMergeableReason("prefix");
                case BOTTLENECK -> LlamaModel.notMergeableReason("adapter");
            };
        }
    }

    /** The kind of the adapter in {@code directory}, by its config's {@code peft_type} (LORA when absent). */
    public static Kind kind(Path directory) throws IOException {
        Path file = directory.resolve(PeftAdapter.CONFIG_FILE);
        if (!Files.isRegularFile(file)) {
            throw new ModelConfigException(directory + " has no " + PeftAdapter.CONFIG_FILE + ": an adapter directory "
                    + "holds adapter_config.json + adapter_model.safetensors");
        }
        String type;
        try {
            type = JSON.readTree(Files.readString(file)).path("peft_type").asString("LORA").toUpperCase(Locale.ROOT);
        } catch (JacksonException e) {
            throw new ModelConfigException(file + " is not valid JSON: " + e.getOriginalMessage(), e);
        }
        return switch (type) {
            case PeftPrefixTuning.PEFT_TYPE -> Kind.PREFIX;
            case BottleneckAdapters.PEFT_TYPE -> Kind.BOTTLENECK;
            case "OFT" -> Kind.OFT;
            default -> Kind.LORA;      // PeftAdapter refuses other PEFT types with its message
        };
    }

    /**
     * Loads the adapter in {@code directory} onto {@code model}, frozen, or trainable to continue training it.
     *
     * @return its kind
     */
    public static Kind load(LlamaModel model, Path directory, boolean trainable) throws IOException {
        Kind kind = kind(directory);
        switch (kind) {
            case LORA -> PeftAdapter.load(model, directory, trainable);
            case OFT -> OftAdapter.load(model, directory, trainable);
            case PREFIX -> {
                PeftPrefixTuning.Loaded loaded = PeftPrefixTuning.load(directory, model.prefixShape(), model.manager());
                model.attachPrefix(loaded.config(), loaded.encoder(), trainable);
            }
            case BOTTLENECK -> model.attachBottleneck(BottleneckAdapters.load(directory, model.config().numLayers(),
                    model.config().hiddenSize(), model.manager()), trainable);
        }
        return kind;
    }
}
