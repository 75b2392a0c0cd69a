package io.tuneforge.trainer.worker;

import io.tuneforge.core.job.JobFailure;
import io.tuneforge.trainer.export.ExportException;
import io.tuneforge.trainer.export.GgmlType;
import io.tuneforge.trainer.export.MergeOptions;
import io.tuneforge.trainer.model.safetensors.SafetensorsDType;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * What a finished job produces besides its adapter, read from the job's hyperparameters. Parsed before training
 * starts, so a typo fails the job at once instead of after hours of training.
 *
 * @param mergeDtype          {@code merge_dtype}: float type of the merged LoRA model's weights (default float32;
 *                            full and freeze fine-tunes are always stored in float32)
 * @param predictSamples      {@code predict_samples}: held-out rows answered by the base and the tuned model
 *                            (default 16; 0 turns the comparison off)
 * @param predictMaxNewTokens {@code predict_max_new_tokens}: longest generated answer, greedy (default 128)
 * @param exportGguf          {@code export_gguf}: GGUF weight type to export ({@code f32}, {@code f16}, {@code q8_0});
 *                            empty for {@code none} (the default)
 */
record OutputSettings(SafetensorsDType mergeDtype, int predictSamples, int predictMaxNewTokens,
                      Optional<GgmlType> exportGguf) {

    static final int DEFAULT_PREDICT_SAMPLES = 16;
    static final int DEFAULT_PREDICT_MAX_NEW_TOKENS = 128;

    /** Reads the settings; a value that cannot be used fails the job as an invalid configuration. */
    static OutputSettings parse(Map<String, Object> hp) {
        return new OutputSettings(mergeDtype(hp), nonNegative(hp, "predict_samples", DEFAULT_PREDICT_SAMPLES),
                nonNegative(hp, "predict_max_new_tokens", DEFAULT_PREDICT_MAX_NEW_TOKENS), exportGguf(hp));
    }

    private static SafetensorsDType mergeDtype(Map<String, Object> hp) {
        Object value = hp.get("merge_dtype");
        if (value == null || value.toString().isBlank()) {
            return SafetensorsDType.F32;
        }
        try {
            return MergeOptions.parseDtype(value.toString().trim());
        } catch (ExportException e) {
            throw invalid("merge_dtype: " + e.getMessage());
        }
    }

    private static Optional<GgmlType> exportGguf(Map<String, Object> hp) {
        Object value = hp.get("export_gguf");
        String text = value == null ? "none" : value.toString().trim().toLowerCase(Locale.ROOT);
        if (text.isEmpty() || text.equals("none") || text.equals("false")) {
            return Optional.empty();
        }
        try {
            return Optional.of(GgmlType.parse(text));
        } catch (IllegalArgumentException e) {
            throw invalid("export_gguf '" + value + "' is not none, f32, f16 or q8_0");
        }
    }

    private static int nonNegative(Map<String, Object> hp, String key, int fallback) {
        Object value = hp.get(key);
        if (value == null) {
            return fallback;
        }
        try {
            double number = Double.parseDouble(value.toString().trim());
            if (number < 0 || number != Math.rint(number) || number > Integer.MAX_VALUE) {
                throw new NumberFormatException();
            }
            return (int) number;
        } catch (NumberFormatException e) {
            throw invalid(key + " '" + value + "' must be a whole number >= 0");
        }
    }

    private static JobFailureException invalid(String detail) {
        return new JobFailureException(JobFailure.invalidConfiguration(detail), null);
    }
}
