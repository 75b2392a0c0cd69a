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
 * @param quantizationBit   {@code quantization_bit}: the frozen base quantized on the fly to 4 or 8 bits (QLoRA,
 *                          LoRA only); empty: not quantized
 * @param quantizationMethod {@code quantization_method}: bnb (bitsandbytes' formats), the one TuneForge implements
 * @param quantizationType  {@code quantization_type}: the 4-bit code book, nf4 or fp4
 * @param doubleQuantization {@code double_quantization}: 4-bit block scales stored in 8 bits too
 * @param disableGradientCheckpointing {@code disable_gradient_checkpointing}: keep every decoder block's activations
 *                          for backward instead of recomputing each block there (faster, more memory); false as in
 *                          LLaMA-Factory, so training checkpoints by default
 * @param moeAuxLossCoef    {@code moe_aux_loss_coef}: a mixture of experts' router load-balancing loss coefficient in
 *                          training; 0 = the checkpoint's own ({@code router_aux_loss_coef} with
 *                          {@code output_router_logits})
 * @param pureBf16          {@code pure_bf16}: the model in bfloat16 with no float32 master copy (LLaMA-Factory's
 *                          pure_bf16): computes as {@code bf16}, and weights that train whole (full, freeze) and their
 *                          optimizer state are kept at bfloat16 precision after every step; adapters stay float32, as
 *                          PEFT's {@code autocast_adapter_dtype} keeps them in LLaMA-Factory (DD040)
 */
public record RecipeModel(Optional<String> modelNameOrPath, Optional<String> adapterNameOrPath, boolean bf16,
        String flashAttn, Optional<Long> quantizationBit, String quantizationMethod, String quantizationType,
        boolean doubleQuantization, boolean disableGradientCheckpointing, double moeAuxLossCoef,
        boolean pureBf16) {

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

    static final RecipeField QUANTIZATION_BIT = RecipeField.integer("quantization_bit", Section.LORA, null,
            Range.between(2, 8), "Quantize the base (QLoRA)",
            "4 or 8: hold the frozen base model in 4-bit (NF4/FP4 blocks of 64, about a quarter of bf16) or 8-bit "
                    + "codes, dequantized layer by layer; LoRA trains on top in float32. Empty: not quantized.");
    static final RecipeField QUANTIZATION_METHOD = RecipeField.choice("quantization_method", Section.LORA, "bnb",
            List.of("bnb"), "Quantization method",
            "bnb: bitsandbytes' formats, quantized on the fly when the model loads.");
    static final RecipeField QUANTIZATION_TYPE = RecipeField.choice("quantization_type", Section.LORA, "nf4",
            List.of("nf4", "fp4"), "4-bit data type",
            "nf4: NormalFloat4 (QLoRA's default); fp4: a 4-bit float. Used with quantization_bit 4.");
    static final RecipeField DOUBLE_QUANTIZATION = RecipeField.bool("double_quantization", Section.LORA, true,
            "Double quantization", "Store the 4-bit blocks' scales in 8 bits too (saves about 0.4 bit per weight).");

    static final RecipeField DISABLE_GRADIENT_CHECKPOINTING = RecipeField.bool("disable_gradient_checkpointing",
            Section.MODEL, false, "Disable gradient checkpointing",
            "Off (the default): each decoder layer keeps only its input during the forward pass and is recomputed in "
                    + "backward (less memory, about a third more compute). On: keep every activation.");

    static final RecipeField MOE_AUX_LOSS_COEF = RecipeField.decimal("moe_aux_loss_coef", Section.MODEL, 0.0,
            Range.between(0, 100), "MoE router loss coefficient",
            "Mixture-of-experts models (Mixtral, Qwen-MoE): weight of the router's load-balancing loss added to the "
                    + "training loss (0.001 is typical); 0 keeps the model's own setting.");

    static final RecipeField PURE_BF16 = RecipeField.bool("pure_bf16", Section.MODEL, false, "Pure bf16",
            "The whole model in bfloat16 with no float32 master weights (LLaMA-Factory's pure_bf16): computes as bf16, "
                    + "and weights trained whole (full, freeze) and their optimizer state are rounded to bfloat16 "
                    + "after every step (held in float32 arrays: their memory stays that of float32). LoRA and other "
                    + "adapters stay float32, as in LLaMA-Factory.");

    static final List<RecipeField> FIELDS = List.of(MODEL_NAME_OR_PATH, ADAPTER_NAME_OR_PATH, BF16, FLASH_ATTN,
            QUANTIZATION_BIT, QUANTIZATION_METHOD, QUANTIZATION_TYPE, DOUBLE_QUANTIZATION, DISABLE_GRADIENT_CHECKPOINTING,
            MOE_AUX_LOSS_COEF, PURE_BF16);

    static RecipeModel from(RecipeValues v) {
        return new RecipeModel(v.optionalText(MODEL_NAME_OR_PATH), v.optionalText(ADAPTER_NAME_OR_PATH),
                v.bool(BF16), v.text(FLASH_ATTN), v.optionalInteger(QUANTIZATION_BIT), v.text(QUANTIZATION_METHOD),
                v.text(QUANTIZATION_TYPE), v.bool(DOUBLE_QUANTIZATION), v.bool(DISABLE_GRADIENT_CHECKPOINTING),
                v.decimal(MOE_AUX_LOSS_COEF), v.bool(PURE_BF16));
    }

    /** Whether the model computes in bfloat16: {@code bf16} or {@code pure_bf16}. */
    public boolean computesInBf16() {
        return bf16 || pureBf16;
    }

    /** The key that asked for bfloat16, for messages: {@code bf16}, else {@code pure_bf16}. */
    public String bf16Key() {
        return bf16 ? "bf16" : "pure_bf16";
    }

    /** Whether the frozen base is quantized ({@code quantization_bit} set). */
    public boolean quantized() {
        return quantizationBit.isPresent();
    }
}
