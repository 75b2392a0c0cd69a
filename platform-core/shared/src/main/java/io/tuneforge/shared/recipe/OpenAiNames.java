package io.tuneforge.shared.recipe;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * OpenAI's fine-tuning hyperparameter names as REST clients send them ({@code n_epochs}, {@code batch_size},
 * {@code learning_rate_multiplier}; each may be {@code "auto"}, meaning the default), mapped to recipe keys.
 * {@code learning_rate_multiplier} scales the default learning rate. Giving both names of one setting is refused.
 */
final class OpenAiNames {

    private OpenAiNames() {
    }

    static Map<String, Object> mapped(Map<String, ?> values) {
        Map<String, Object> out = new LinkedHashMap<>(values);
        RecipeKeys.OPENAI_NAMES.forEach((openAi, key) -> {
            if (!values.containsKey(openAi)) {
                return;
            }
            Object value = out.remove(openAi);
            if (values.containsKey(key)) {
                throw new RecipeException(openAi, value, "only one of " + openAi + " and " + key,
                        openAi + " and " + key + " in hyperparameters set the same thing: give only one");
            }
            if (value == null || "auto".equalsIgnoreCase(String.valueOf(value).strip())) {
                return;
            }
            out.put(key, openAi.equals("learning_rate_multiplier") ? scaledLearningRate(value) : value);
        });
        return out;
    }

    /** OpenAI's multiplier of the default learning rate, checked like any recipe number. */
    private static final RecipeField LEARNING_RATE_MULTIPLIER = RecipeField.decimal("learning_rate_multiplier",
            Section.OPTIMIZATION, null, Range.aboveUpTo(0, 1000), "Learning rate multiplier",
            "OpenAI's name: the learning rate is this times the default learning rate.");

    private static Object scaledLearningRate(Object multiplier) {
        double factor = (Double) LEARNING_RATE_MULTIPLIER.parse(multiplier, RecipeSource.REST).orElseThrow();
        double base = (Double) RecipeOptimization.LEARNING_RATE.defaultValue().orElseThrow();
        return factor * base;
    }
}
