package io.tuneforge.shared.recipe;

import java.util.List;
import java.util.Optional;

/**
 * Which model a job starts from. Both keys name server paths: YAML sets them; for REST and form jobs the platform
 * sets {@code model_name_or_path} from the chosen base model.
 *
 * @param modelNameOrPath   {@code model_name_or_path}: the base model folder (Hugging Face layout)
 * @param adapterNameOrPath {@code adapter_name_or_path}: a PEFT adapter to continue training (LoRA only)
 * @param bf16              {@code bf16}: mixed precision, the decoder linears and attention computed in bfloat16 (the
 *                          frozen base held in it); trainable weights, optimizer state and the loss stay float32
 * @param flashAttn         {@code flash_attn}: auto (SDPA in bf16, manual attention in fp32), sdpa or disabled
 * @param disableGradientCheckpointing {@code disable_gradient_checkpointing}: keep every decoder block's activations
 *                          for backward instead of recomputing each block there (faster, more memory); false as in
 *                          LLaMA-Factory, so training checkpoints by default
 */
public record RecipeModel(Optional<String> modelNameOrPath, Optional<String> adapterNameOrPath, boolean bf16,
        String flashAttn, boolean disableGradientCheckpointing) {

    static final RecipeField MODEL_NAME_OR_PATH = RecipeField.path("model_name_or_path", Section.MODEL,
            "Base model folder", "A local model folder with config.json, the tokenizer and *.safetensors.");
    static final RecipeField ADAPTER_NAME_OR_PATH = RecipeField.path("adapter_name_or_path", Section.MODEL,
            "Adapter to continue", "A PEFT LoRA adapter folder to continue training (finetuning_type lora).");

    static final RecipeField BF16 = RecipeField.bool("bf16", Section.MODEL, false, "bf16 mixed precision",
            "Compute the model's linear layers and attention in bfloat16 (about twice as fast on CPUs with AVX512-BF16 "
                    + "or AMX, half the memory for a frozen base); trainable weights, optimizer and loss stay float32.");
    static final RecipeField FLASH_ATTN = RecipeField.choice("flash_attn", Section.MODEL, "auto",
            List.of("auto", "sdpa", "disabled"), "Attention kernel",
            "auto: fused scaled-dot-product attention (SDPA) with bf16, plain attention in fp32; sdpa: always fused; "
                    + "disabled: always plain.");

    static final RecipeField DISABLE_GRADIENT_CHECKPOINTING = RecipeField.bool("disable_gradient_checkpointing",
            Section.MODEL, false, "Disable gradient checkpointing",
            "Off (the default): each decoder layer keeps only its input during the forward pass and is recomputed in "
                    + "backward (less memory, about a third more compute). On: keep every activation.");

    static final List<RecipeField> FIELDS = List.of(MODEL_NAME_OR_PATH, ADAPTER_NAME_OR_PATH, BF16, FLASH_ATTN,
            DISABLE_GRADIENT_CHECKPOINTING);

    static RecipeModel from(RecipeValues v) {
        return new RecipeModel(v.optionalText(MODEL_NAME_OR_PATH), v.optionalText(ADAPTER_NAME_OR_PATH),
                v.bool(BF16), v.text(FLASH_ATTN), v.bool(DISABLE_GRADIENT_CHECKPOINTING));
    }
}
