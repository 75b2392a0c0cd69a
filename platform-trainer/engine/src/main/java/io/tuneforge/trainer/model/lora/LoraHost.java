package io.tuneforge.trainer.model.lora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.tuneforge.trainer.model.Linear;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A model LoRA adapters attach to, as far as {@link PeftAdapter} reads and writes them: its targeted linears by
 * Hugging Face module path and where new adapter weights go. {@code LlamaModel} is one; the adapter format never
 * needs the model's forward pass.
 */
public interface LoraHost {

    /** The attached LoRA configuration, if any. */
    Optional<LoraConfig> loraConfig();

    /** The linears a LoRA config targets, layer by layer in PEFT's module order. */
    List<Linear> loraTargets(LoraConfig config);

    /**
     * Attaches adapters with given weights (A (r, in), B (out, r) by module path), trainable when {@code trainable}.
     */
    void attachLora(LoraConfig config, Map<String, NDArray[]> weightsByModule, boolean trainable);

    /**
     * The weights of a config's {@code modules_to_save} by module path ({@code model.embed_tokens}, {@code lm_head},
     * {@code model.norm}): the model's own arrays, trained whole and saved with the adapter.
     */
    java.util.SequencedMap<String, NDArray> modulesToSave(LoraConfig config);

    /**
     * Replaces the targeted base weights by PiSSA residuals before a PiSSA adapter ({@code init_lora_weights}
     * "pissa…") is attached, as PEFT does on loading one.
     */
    void preparePissaBase(LoraConfig config);

    /**
     * Whether a PiSSA adapter is saved converted to an ordinary LoRA ({@code pissa_convert}): ΔW = B·A − B₀·A₀ as
     * rank 2r, which applies to the original base.
     */
    default boolean convertsPissaOnSave() {
        return false;
    }

    /** PEFT's {@code task_type} of the adapter: CAUSAL_LM, or SEQ_2_SEQ_LM for an encoder-decoder (T5). */
    default String peftTaskType() {
        return "CAUSAL_LM";
    }

    /** The manager the model's weights live in (loaded adapter weights go there too). */
    NDManager manager();

    /** The base model's directory (written as {@code base_model_name_or_path}). */
    Path directory();
}
