package io.tuneforge.core.job;

import io.tuneforge.shared.dataset.DatasetFormat;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * Which dataset formats each training stage ({@code stage}) trains on, for New job's dataset list: sft on prompts and
 * answers (instruction or chat rows), pt on raw text, rm and dpo on preference pairs (chosen/rejected), kto on chat
 * rows tagged desirable or not ({@code kto_tag}, checked at submit), ppo on prompts (instruction or chat rows). A stage
 * the recipe gains later adds its line to {@link #FORMATS}; until then it lists every format.
 */
public final class StageData {

    /**
     * What a stage trains on.
     *
     * @param formats     the dataset formats it accepts
     * @param description what those rows are, for messages ("preference pairs (chosen/rejected)")
     */
    public record Accepted(Set<DatasetFormat> formats, String description) {
    }

    private static final Map<String, Accepted> FORMATS = Map.of(
            "sft", new Accepted(EnumSet.of(DatasetFormat.ALPACA, DatasetFormat.SHAREGPT, DatasetFormat.OPENAI,
                    DatasetFormat.CLASSIFICATION), "prompts with answers (instruction or chat data)"),
            "pt", new Accepted(EnumSet.of(DatasetFormat.TEXT), "raw text"),
            "rm", new Accepted(EnumSet.of(DatasetFormat.PREFERENCE), "preference pairs (chosen/rejected answers)"),
            "dpo", new Accepted(EnumSet.of(DatasetFormat.PREFERENCE), "preference pairs (chosen/rejected answers)"),
            "kto", new Accepted(EnumSet.of(DatasetFormat.ALPACA, DatasetFormat.SHAREGPT, DatasetFormat.OPENAI),
                    "answers tagged desirable or undesirable (a kto_tag column)"),
            "ppo", new Accepted(EnumSet.of(DatasetFormat.ALPACA, DatasetFormat.SHAREGPT, DatasetFormat.OPENAI),
                    "prompts (instruction or chat data; the answers are generated)"));

    private StageData() {
    }

    /** What {@code stage} trains on; every format for a stage without a line here. */
    public static Accepted of(String stage) {
        return FORMATS.getOrDefault(stage, new Accepted(EnumSet.allOf(DatasetFormat.class), "any data"));
    }

    /** Whether {@code stage} trains on rows of {@code format}. */
    public static boolean accepts(String stage, DatasetFormat format) {
        return of(stage).formats().contains(format);
    }
}
