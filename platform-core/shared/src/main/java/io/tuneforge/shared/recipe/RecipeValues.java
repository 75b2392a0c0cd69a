package io.tuneforge.shared.recipe;

import java.util.Map;
import java.util.Optional;

/**
 * The parsed values of a recipe by field (absent: not given), read by the section records with the field's default
 * filled in.
 *
 * @param given  parsed values of the keys that were given
 * @param source where they came from (for messages)
 */
record RecipeValues(Map<RecipeField, Object> given, RecipeSource source) {

    RecipeValues {
        given = Map.copyOf(given);
    }

    /** The given value, else the default; empty when neither exists. */
    Optional<Object> value(RecipeField field) {
        return Optional.ofNullable(given.get(field)).or(field::defaultValue);
    }

    boolean isGiven(RecipeField field) {
        return given.containsKey(field);
    }

    double decimal(RecipeField field) {
        return ((Number) required(field)).doubleValue();
    }

    long integer(RecipeField field) {
        return ((Number) required(field)).longValue();
    }

    Optional<Long> optionalInteger(RecipeField field) {
        return value(field).map(v -> ((Number) v).longValue());
    }

    Optional<Double> optionalDecimal(RecipeField field) {
        return value(field).map(v -> ((Number) v).doubleValue());
    }

    boolean bool(RecipeField field) {
        return (Boolean) required(field);
    }

    String text(RecipeField field) {
        return (String) required(field);
    }

    Optional<String> optionalText(RecipeField field) {
        return value(field).map(String.class::cast);
    }

    private Object required(RecipeField field) {
        return value(field).orElseThrow(() -> new RecipeException(field.key(), null, field.allowed(),
                field.key() + " is required in " + source.place() + "; use " + field.allowed()));
    }
}
