package io.tuneforge.trainer.export;

import io.tuneforge.trainer.model.safetensors.SafetensorsDType;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;

/**
 * What {@code merge} writes.
 *
 * @param modelDir      base Hugging Face model directory
 * @param adapterDir    PEFT LoRA adapter directory to merge in
 * @param outDir        directory to create (a Hugging Face model directory)
 * @param maxShardBytes largest shard in bytes (a tensor is never split, so one tensor may exceed it)
 * @param dtype         stored float type; empty = the base config's torch_dtype (float32 when absent)
 * @param force         replace an existing {@code outDir}
 */
public record MergeOptions(Path modelDir, Path adapterDir, Path outDir, long maxShardBytes,
                           Optional<SafetensorsDType> dtype, boolean force) {

    /** Hugging Face's default {@code max_shard_size}: 5GB (decimal, as transformers counts). */
    public static final long DEFAULT_MAX_SHARD_BYTES = 5_000_000_000L;

    /**
     * Parses a size like transformers' {@code max_shard_size}: {@code 5GB} = 5·10⁹, {@code 500MB}, {@code 2GiB} = 2·2³⁰,
     * {@code 100KB}, or a plain number of bytes.
     */
    public static long parseSize(String text) {
        String t = text.trim().toUpperCase(Locale.ROOT);
        String[][] units = {{"GIB", "1073741824"}, {"MIB", "1048576"}, {"KIB", "1024"}, {"GB", "1000000000"},
                {"MB", "1000000"}, {"KB", "1000"}, {"B", "1"}};
        for (String[] unit : units) {
            if (t.endsWith(unit[0])) {
                return scaled(text, t.substring(0, t.length() - unit[0].length()), Long.parseLong(unit[1]));
            }
        }
        return scaled(text, t, 1);
    }

    private static long scaled(String original, String number, long unit) {
        try {
            double value = Double.parseDouble(number.trim());
            if (value <= 0) {
                throw new NumberFormatException();
            }
            return (long) (value * unit);
        } catch (NumberFormatException e) {
            throw new ExportException("invalid size '" + original + "': use e.g. 5GB, 500MB, 2GiB or a byte count");
        }
    }

    /** Parses {@code float32|float16|bfloat16} (also fp32, fp16, bf16). */
    public static SafetensorsDType parseDtype(String text) {
        return switch (text.toLowerCase(Locale.ROOT)) {
            case "float32", "fp32", "f32" -> SafetensorsDType.F32;
            case "float16", "fp16", "f16", "half" -> SafetensorsDType.F16;
            case "bfloat16", "bf16" -> SafetensorsDType.BF16;
            default -> throw new ExportException("unknown dtype '" + text + "': use float32, float16 or bfloat16");
        };
    }
}
