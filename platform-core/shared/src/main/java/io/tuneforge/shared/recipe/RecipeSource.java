package io.tuneforge.shared.recipe;

/** Where a recipe's values come from; decides which keys may be given and how errors name their place. */
public enum RecipeSource {
    /** A LLaMA-Factory YAML file ({@code train --config}): every key, paths included. */
    YAML("the YAML file"),
    /** REST {@code hyperparameters}: no paths (the platform sets them); OpenAI's names are mapped. */
    REST("hyperparameters"),
    /** The New job form: no paths. */
    FORM("the form"),
    /** A job's stored configuration (written by the platform): every key plus the platform's own. */
    STORED("the job's stored configuration");

    private final String place;

    RecipeSource(String place) {
        this.place = place;
    }

    /** Where a bad value was found, for messages ("in hyperparameters"). */
    public String place() {
        return place;
    }

    /** Whether keys that name server paths (model_name_or_path, output_dir, ...) may be given. */
    boolean allowsPaths() {
        return this == YAML || this == STORED;
    }
}
