package io.tuneforge.shared.dataset;

import java.util.List;
import java.util.Locale;

/**
 * The file types a dataset may come in, one list for the upload form, the REST API, the CLI and LLaMA-Factory imports.
 * Parquet is refused everywhere with the way to convert it: reading it would need Apache Parquet with Hadoop's
 * libraries (tens of megabytes of jars) for one input format (DD024).
 */
public final class DatasetFileTypes {

    /** Extensions read by the data pipeline, with the dot. */
    public static final List<String> READABLE = List.of(".jsonl", ".json", ".csv", ".txt");

    private DatasetFileTypes() {
    }

    /** "JSON Lines (.jsonl), JSON (.json), CSV (.csv) or plain text (.txt)". */
    public static String describe() {
        return "JSON Lines (.jsonl), JSON (.json), CSV (.csv) or plain text (.txt)";
    }

    /** Whether the file name says Parquet. */
    public static boolean isParquet(String fileName) {
        return fileName != null && fileName.toLowerCase(Locale.ROOT).endsWith(".parquet");
    }

    /** Refuses a Parquet file, saying how to convert it. */
    public static DatasetException parquetRefused(String fileName) {
        return new DatasetException(fileName + ": Parquet files are not read; convert it to JSON Lines, e.g. with "
                + "pandas: pd.read_parquet('" + fileName + "').to_json('data.jsonl', orient='records', lines=True, "
                + "force_ascii=False), and upload the .jsonl file");
    }
}
