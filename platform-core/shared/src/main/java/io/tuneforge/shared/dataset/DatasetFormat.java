package io.tuneforge.shared.dataset;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The shape of a dataset's rows, one vocabulary for the platform (a stored version's format), the data pipeline and
 * the CLI. "Detect it from the data" is not a format: callers say it with an empty {@link Optional} (the CLI and the
 * upload form spell it {@code auto}), see {@link #parseOrDetect(String)}.
 */
public enum DatasetFormat {
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
    /**
     * Prompt with {@code chosen}/{@code rejected} answers, alpaca- or sharegpt-style (LLaMA-Factory's ranking data, e.g.
     * {@code conversations} + {@code chosen} + {@code rejected}): a row with both answers is preference data whatever
     * else it has.
     */
    PREFERENCE;

    /** What users type for "detect the format from the data". */
    public static final String AUTO = "auto";

    /** The name users type and the database stores ({@code alpaca}, {@code sharegpt}, ...). */
    public String cliName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses a user-typed name, case-insensitively. */
    public static DatasetFormat parse(String name) {
        return parseOrDetect(name).orElseThrow(() -> unknown(name));
    }

    /** Parses a user-typed name, where {@code auto} means "detect": empty. */
    public static Optional<DatasetFormat> parseOrDetect(String name) {
        String typed = name == null ? "" : name.strip();
        if (typed.equalsIgnoreCase(AUTO)) {
            return Optional.empty();
        }
        for (DatasetFormat format : values()) {
            if (format.cliName().equalsIgnoreCase(typed)) {
                return Optional.of(format);
            }
        }
        throw unknown(name);
    }

    private static DatasetException unknown(String name) {
        return new DatasetException("Unknown dataset format '" + name + "'; use one of "
                + Arrays.stream(values()).map(DatasetFormat::cliName).collect(Collectors.joining(", ")));
    }
}
