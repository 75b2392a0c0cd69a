package io.tuneforge.trainer.data;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** The dataset formats TuneForge reads; {@link #AUTO} asks the reader to detect the format from the first records. */
public enum DatasetFormat {
    /** Detect from the data (see {@code FormatDetector}). */
    AUTO,
    /** {@code instruction}, {@code input}, {@code output}, optional {@code system}, {@code history}. */
    ALPACA,
    /** {@code conversations} of {@code from}/{@code value}, optional {@code system}, {@code tools}; tags configurable. */
    SHAREGPT,
    /** {@code messages} of {@code role}/{@code content} (OpenAI chat format). */
    OPENAI,
    /** {@code text} and {@code label}, in CSV or JSONL. */
    CLASSIFICATION,
    /** Plain text for continued pre-training: {@code .txt} lines or JSONL with {@code text}. */
    TEXT,
    /** Prompt with {@code chosen}/{@code rejected} answers, alpaca- or sharegpt-style (LLaMA-Factory's ranking data). */
    PREFERENCE;

    /** The name users type ({@code alpaca}, {@code sharegpt}, ...). */
    public String cliName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses a user-typed name, case-insensitively. */
    public static DatasetFormat parse(String name) {
        for (DatasetFormat format : values()) {
            if (format.cliName().equalsIgnoreCase(name.trim())) {
                return format;
            }
        }
        throw new DatasetException("Unknown dataset format '" + name + "'; use one of "
                + Arrays.stream(values()).map(DatasetFormat::cliName).collect(Collectors.joining(", ")));
    }
}
