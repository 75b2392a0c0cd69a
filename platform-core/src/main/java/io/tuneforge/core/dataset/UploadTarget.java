package io.tuneforge.core.dataset;

/**
 * Which dataset an upload becomes a version of. The Datasets page asks explicitly (a new dataset with a typed name, or
 * an existing one picked from a list), so a file never silently lands on a dataset the user did not mean; the REST
 * API and the CLI name the dataset and create it when it is new.
 */
public sealed interface UploadTarget {

    /** A new dataset; refused when the team already has one of that name. */
    static UploadTarget newDataset(String name) {
        return new NewDataset(name);
    }

    /** The next version of an existing dataset of the actor's team. */
    static UploadTarget existing(long datasetId) {
        return new Existing(datasetId);
    }

    /** The dataset of that name, created when the team has none (the REST API's and the CLI's {@code dataset}). */
    static UploadTarget named(String name) {
        return new Named(name);
    }

    /** @param name the new dataset's name, 1 to 200 characters */
    record NewDataset(String name) implements UploadTarget {
    }

    /** @param datasetId the dataset's id */
    record Existing(long datasetId) implements UploadTarget {
    }

    /** @param name the dataset's name, new or existing */
    record Named(String name) implements UploadTarget {
    }
}
