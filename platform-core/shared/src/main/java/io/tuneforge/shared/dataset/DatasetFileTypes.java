package io.tuneforge.shared.dataset;

import java.util.List;
import java.util.Locale;

/**
 * The file types a dataset may come in, one list for the upload form, the REST API, the CLI and LLaMA-Factory imports.
 * Parquet (most Hugging Face datasets) is read by TuneForge's own reader ({@code shared.dataset.parquet}, DD026): its
 * rows become the same JSON objects a JSON Lines file gives.
 */
public final class DatasetFileTypes {

    /** Extensions read by the data pipeline, with the dot. */
    public static final List<String> READABLE = List.of(".jsonl", ".json", ".parquet", ".csv", ".txt");

    private DatasetFileTypes() {
    }

    /** "JSON Lines (.jsonl), JSON (.json), Parquet (.parquet), CSV (.csv) or plain text (.txt)". */
    public static String describe() {
        return "JSON Lines (.jsonl), JSON (.json), Parquet (.parquet), CSV (.csv) or plain text (.txt)";
    }

    /** Whether the file name says Parquet (a binary file: no text-encoding check, read by the Parquet reader). */
    public static boolean isParquet(String fileName) {
        return fileName != null && fileName.toLowerCase(Locale.ROOT).endsWith(".parquet");
    }
}
