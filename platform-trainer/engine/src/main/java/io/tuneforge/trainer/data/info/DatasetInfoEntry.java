package io.tuneforge.trainer.data.info;

import java.util.Map;
import java.util.Optional;

/**
 * One entry of a LLaMA-Factory {@code dataset_info.json}, as written there.
 *
 * @param name       the entry's key (what {@code dataset:} in a training config names)
 * @param fileName   {@code file_name}: a file (or folder) relative to the dataset folder
 * @param formatting {@code formatting}: {@code alpaca} (default) or {@code sharegpt}
 * @param ranking    {@code ranking}: preference pairs (chosen/rejected)
 * @param columns    {@code columns}: LLaMA-Factory column key to field name
 * @param tags       {@code tags}: ShareGPT role/content keys
 * @param hubSources the hub or remote keys present ({@code hf_hub_url}, {@code ms_hub_url}, {@code om_hub_url},
 *                   {@code script_url}, {@code cloud_file_name}) with their values
 * @param numSamples {@code num_samples}: how many rows to use (empty: all)
 */
public record DatasetInfoEntry(String name, Optional<String> fileName, String formatting, boolean ranking,
        Map<String, String> columns, Map<String, String> tags, Map<String, String> hubSources,
        Optional<Integer> numSamples) {

    public DatasetInfoEntry {
        columns = ordered(columns);
        tags = ordered(tags);
        hubSources = ordered(hubSources);
    }

    private static Map<String, String> ordered(Map<String, String> map) {
        return java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(map));
    }
}
