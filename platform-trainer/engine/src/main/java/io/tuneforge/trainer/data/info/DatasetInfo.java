package io.tuneforge.trainer.data.info;

import io.tuneforge.shared.dataset.DatasetException;
import io.tuneforge.shared.dataset.DatasetFormat;
import io.tuneforge.trainer.data.DatasetSpec;
import io.tuneforge.trainer.data.format.Columns;
import io.tuneforge.trainer.data.format.ShareGptTags;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A LLaMA-Factory data folder: its {@code dataset_info.json} registry and the files beside it. Every entry with a
 * local {@code file_name} is readable (with its formatting, columns, tags and ranking); entries that need a hub or a
 * remote source, or that are multimodal, are reported as unavailable with the reason.
 *
 * @param directory the data folder
 * @param entries   the entries in file order
 */
public record DatasetInfo(Path directory, List<DatasetInfoEntry> entries) {

    public static final String FILE_NAME = "dataset_info.json";

    private static final JsonMapper MAPPER = JsonMapper.builder().build();
    private static final List<String> HUB_KEYS = List.of("hf_hub_url", "ms_hub_url", "om_hub_url", "script_url",
            "cloud_file_name");
    private static final Set<String> READABLE_EXTENSIONS = Set.of("json", "jsonl", "parquet", "csv", "txt");

    public DatasetInfo {
        entries = List.copyOf(entries);
    }

    /** Reads {@code DIR/dataset_info.json}. */
    public static DatasetInfo load(Path directory) {
        Path file = directory.resolve(FILE_NAME);
        if (!Files.isRegularFile(file)) {
            throw new DatasetException("No " + FILE_NAME + " in " + directory
                    + "; point --dataset-dir at a LLaMA-Factory data folder");
        }
        JsonNode root;
        try {
            root = MAPPER.readTree(file.toFile());
        } catch (JacksonException e) {
            throw new DatasetException(file + " is not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (!root.isObject()) {
            throw new DatasetException(file + " must be a JSON object of dataset name to entry");
        }
        List<DatasetInfoEntry> entries = new ArrayList<>();
        for (Map.Entry<String, JsonNode> e : root.properties()) {
            entries.add(parseEntry(file, e.getKey(), e.getValue()));
        }
        return new DatasetInfo(directory, entries);
    }

    private static DatasetInfoEntry parseEntry(Path file, String name, JsonNode node) {
        String where = file + ", entry '" + name + "'";
        if (!node.isObject()) {
            throw new DatasetException(where + ": must be an object");
        }
        Map<String, String> hubs = new LinkedHashMap<>();
        for (String key : HUB_KEYS) {
            if (node.hasNonNull(key)) {
                hubs.put(key, node.get(key).asString());
            }
        }
        Optional<Integer> numSamples = node.hasNonNull("num_samples")
                ? Optional.of(node.get("num_samples").asInt()) : Optional.empty();
        return new DatasetInfoEntry(name,
                node.hasNonNull("file_name") ? Optional.of(node.get("file_name").asString()) : Optional.empty(),
                node.path("formatting").asString("alpaca"),
                node.path("ranking").asBoolean(false),
                stringMap(node.get("columns"), where + ", columns"),
                stringMap(node.get("tags"), where + ", tags"),
                hubs, numSamples);
    }

    private static Map<String, String> stringMap(JsonNode node, String where) {
        Map<String, String> map = new LinkedHashMap<>();
        if (node == null || node.isNull()) {
            return map;
        }
        if (!node.isObject()) {
            throw new DatasetException(where + ": must be an object of key to name");
        }
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            map.put(e.getKey(), e.getValue().asString());
        }
        return map;
    }

    /** The entry named {@code name}. */
    public Optional<DatasetInfoEntry> entry(String name) {
        return entries.stream().filter(e -> e.name().equals(name)).findFirst();
    }

    /** Availability of every entry, in file order. */
    public List<DatasetAvailability> availability() {
        return entries.stream().map(this::availability).toList();
    }

    /** How to read the entry {@code name}; a clear error when it is unknown or unavailable offline. */
    public DatasetSpec resolve(String name) {
        DatasetInfoEntry entry = entry(name).orElseThrow(() -> new DatasetException("Dataset '" + name
                + "' is not in " + directory.resolve(FILE_NAME) + "; known: "
                + String.join(", ", entries.stream().map(DatasetInfoEntry::name).toList())));
        DatasetAvailability availability = availability(entry);
        return availability.spec().orElseThrow(() -> new DatasetException("Dataset '" + name + "' is not available: "
                + availability.reason().orElse("")));
    }

    /** Whether an entry can be read here, and how. */
    public DatasetAvailability availability(DatasetInfoEntry entry) {
        if (entry.fileName().isEmpty()) {
            if (entry.hubSources().isEmpty()) {
                return DatasetAvailability.unavailable(entry, "the entry has no file_name and no source");
            }
            return DatasetAvailability.unavailable(entry, "needs a download (" + describeHubs(entry)
                    + "); TuneForge reads only local files offline: download it and set file_name");
        }
        Path file = directory.resolve(entry.fileName().get()).normalize();
        if (!Files.exists(file)) {
            String hubs = entry.hubSources().isEmpty() ? "" : "; it also names " + describeHubs(entry)
                    + ", which needs a download";
            return DatasetAvailability.unavailable(entry, "file " + entry.fileName().get() + " is not in "
                    + directory + hubs);
        }
        if (Files.isDirectory(file)) {
            return DatasetAvailability.unavailable(entry, file + " is a folder; point file_name at one data file");
        }
        String extension = extension(file);
        if (!READABLE_EXTENSIONS.contains(extension)) {
            return DatasetAvailability.unavailable(entry, "file type ." + extension
                    + " is not supported; convert it to JSON, JSONL, Parquet, CSV or TXT");
        }
        for (String key : Columns.MULTIMODAL_KEYS) {
            if (entry.columns().containsKey(key)) {
                return DatasetAvailability.unavailable(entry, "multimodal data (column '" + key
                        + "') is not supported: TuneForge trains text-only models");
            }
        }
        try {
            return DatasetAvailability.available(entry, spec(entry, file));
        } catch (DatasetException e) {
            return DatasetAvailability.unavailable(entry, e.getMessage());
        }
    }

    private DatasetSpec spec(DatasetInfoEntry entry, Path file) {
        String where = directory.resolve(FILE_NAME) + ", entry '" + entry.name() + "'";
        Columns columns = Columns.defaults().with(entry.columns(), where);
        return switch (entry.formatting().toLowerCase(Locale.ROOT)) {
            case "alpaca" -> {
                if (entry.ranking()) {
                    yield new DatasetSpec(entry.name(), file, DatasetFormat.PREFERENCE, columns, Optional.empty());
                }
                if (isPretrainingEntry(entry)) {
                    String textColumn = entry.columns().get("prompt");
                    yield new DatasetSpec(entry.name(), file, DatasetFormat.TEXT,
                            columns.withClassification(textColumn, columns.label()), Optional.empty());
                }
                yield new DatasetSpec(entry.name(), file, DatasetFormat.ALPACA, columns, Optional.empty());
            }
            case "sharegpt" -> {
                Optional<ShareGptTags> tags = Optional.of(ShareGptTags.shareGpt().with(entry.tags(), where));
                yield new DatasetSpec(entry.name(), file,
                        entry.ranking() ? DatasetFormat.PREFERENCE : DatasetFormat.SHAREGPT, columns, tags);
            }
            default -> throw new DatasetException(where + ": unknown formatting '" + entry.formatting()
                    + "'; use alpaca or sharegpt");
        };
    }

    /** A pre-training entry maps only {@code prompt} (LLaMA-Factory's {@code columns: {prompt: text}}). */
    private static boolean isPretrainingEntry(DatasetInfoEntry entry) {
        return entry.columns().keySet().equals(Set.of("prompt"));
    }

    private static String describeHubs(DatasetInfoEntry entry) {
        List<String> parts = new ArrayList<>();
        entry.hubSources().forEach((k, v) -> parts.add(k + ": " + v));
        return String.join(", ", parts);
    }

    private static String extension(Path file) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot < 0 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
    }
}
