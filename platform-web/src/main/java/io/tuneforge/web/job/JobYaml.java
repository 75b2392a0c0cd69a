package io.tuneforge.web.job;

import io.tuneforge.shared.recipe.JobRecipe;
import io.tuneforge.shared.recipe.RecipeException;
import io.tuneforge.shared.recipe.RecipeField;
import io.tuneforge.shared.recipe.RecipeKeys;
import io.tuneforge.shared.recipe.RecipeSource;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * The New job form's recipe as a LLaMA-Factory training YAML, both ways, through {@link JobRecipe}: the export is
 * {@link JobRecipe#toYaml()} with the chosen model's path, the datasets' names and the chosen stage, so
 * {@code llamafactory-cli train} and TuneForge's {@code train} read it; the import is {@link RecipeSource#YAML}, whose
 * refusals name the key.
 *
 * @param recipe  the recipe read from the YAML (paths included)
 * @param ignored keys read and ignored: LLaMA-Factory machinery with no effect here, or unsupported ones switched off
 */
record JobYaml(JobRecipe recipe, List<String> ignored) {

    /**
     * The form's recipe with the chosen model and datasets as YAML.
     *
     * @param modelPath the chosen base model's folder, if one is chosen
     * @param datasets  the chosen datasets' names
     */
    static String write(JobRecipe recipe, Optional<String> modelPath, List<String> datasets) {
        Map<String, Object> values = new LinkedHashMap<>(recipe.given());
        values.put("stage", recipe.method().stage()); // written even when it is the default sft, as LLaMA-Factory wants
        values.put("do_train", true); // LLaMA-Factory trains only with do_train: true
        modelPath.ifPresent(path -> values.put("model_name_or_path", path));
        if (!datasets.isEmpty()) {
            values.put("dataset", String.join(",", datasets));
        }
        return JobRecipe.read(values, RecipeSource.YAML).toYaml();
    }

    /**
     * Reads a LLaMA-Factory training YAML.
     *
     * @throws IllegalArgumentException with the parser's message when the text is not a YAML mapping
     * @throws RecipeException          for an unknown or unsupported key or a value the recipe refuses
     */
    static JobYaml read(String yaml) {
        Map<String, Object> values = new LinkedHashMap<>();
        try {
            Object parsed = new Yaml(new SafeConstructor(new LoaderOptions())).load(yaml);
            if (!(parsed instanceof Map<?, ?> map)) {
                throw new IllegalArgumentException("Paste a YAML mapping of keys to values (key: value per line)");
            }
            map.forEach((k, v) -> values.put(String.valueOf(k), v));
        } catch (YAMLException e) {
            throw new IllegalArgumentException("Not valid YAML: " + e.getMessage());
        }
        JobRecipe recipe = JobRecipe.read(values, RecipeSource.YAML);
        List<String> ignored = values.keySet().stream().filter(key -> RecipeKeys.field(key).isEmpty()).toList();
        return new JobYaml(recipe, ignored);
    }

    /**
     * What an import did, for the user: the path keys not applied, what the pickers chose from them, and the keys
     * with no effect here.
     *
     * @param picked what the model and dataset pickers were set to from the path keys ("datasets identity")
     */
    String report(List<String> picked) {
        StringBuilder report = new StringBuilder("Form filled from the YAML.");
        if (!pathKeys().isEmpty()) {
            report.append(" Not applied (the model and dataset pickers and the job set them): ")
                    .append(String.join(", ", pathKeys())).append('.');
        }
        if (!picked.isEmpty()) {
            report.append(" Chosen from them: ").append(String.join("; ", picked)).append('.');
        }
        if (!ignored.isEmpty()) {
            report.append(" No effect in TuneForge: ").append(String.join(", ", ignored)).append('.');
        }
        return report.toString();
    }

    /** The path keys the YAML gives (model_name_or_path, dataset, output_dir, ...): the form does not take them. */
    List<String> pathKeys() {
        return RecipeKeys.FIELDS.stream().filter(RecipeField::pathKey).map(RecipeField::key)
                .filter(recipe.given()::containsKey).toList();
    }
}
