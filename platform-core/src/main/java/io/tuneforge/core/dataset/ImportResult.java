package io.tuneforge.core.dataset;

import java.util.List;

/**
 * What an import of a LLaMA-Factory data folder did.
 *
 * @param imported the versions created, one per usable {@code dataset_info.json} entry
 * @param skipped  entries left out, each with the reason
 */
public record ImportResult(List<VersionDetails> imported, List<Skipped> skipped) {

    /**
     * An entry that was not imported.
     *
     * @param name   the entry's key in dataset_info.json
     * @param reason why it was left out
     */
    public record Skipped(String name, String reason) {
    }
}
