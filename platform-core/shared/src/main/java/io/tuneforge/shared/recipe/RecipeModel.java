package io.tuneforge.shared.recipe;

import java.util.List;
import java.util.Optional;

/**
 * Which model a job starts from. Both keys name server paths: YAML sets them; for REST and form jobs the platform
 * sets {@code model_name_or_path} from the chosen base model.
 *
 * @param modelNameOrPath   {@code model_name_or_path}: the base model folder (Hugging Face layout)
 * @param adapterNameOrPath {@code adapter_name_or_path}: a PEFT adapter to continue training (LoRA only)
 */
public record RecipeModel(Optional<String> modelNameOrPath, Optional<String> adapterNameOrPath) {

    static final RecipeField MODEL_NAME_OR_PATH = RecipeField.path("model_name_or_path", Section.MODEL,
            "Base model folder", "A local model folder with config.json, the tokenizer and *.safetensors.");
    static final RecipeField ADAPTER_NAME_OR_PATH = RecipeField.path("adapter_name_or_path", Section.MODEL,
            "Adapter to continue", "A PEFT LoRA adapter folder to continue training (finetuning_type lora).");

    static final List<RecipeField> FIELDS = List.of(MODEL_NAME_OR_PATH, ADAPTER_NAME_OR_PATH);

    static RecipeModel from(RecipeValues v) {
        return new RecipeModel(v.optionalText(MODEL_NAME_OR_PATH), v.optionalText(ADAPTER_NAME_OR_PATH));
    }
}
