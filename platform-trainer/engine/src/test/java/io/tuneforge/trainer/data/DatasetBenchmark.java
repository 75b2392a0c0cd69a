package io.tuneforge.trainer.data;

import io.tuneforge.shared.dataset.DatasetFormat;
import io.tuneforge.trainer.data.encoding.ConversationEncoder;
import io.tuneforge.trainer.data.encoding.EncodedDataset;
import io.tuneforge.trainer.data.encoding.EncodingOptions;
import io.tuneforge.trainer.data.validation.DatasetValidator;
import io.tuneforge.trainer.data.validation.ValidationOptions;
import io.tuneforge.trainer.data.validation.ValidationReport;
import io.tuneforge.trainer.template.ChatTemplates;
import io.tuneforge.trainer.tokenizer.TextTokenizer;

import java.io.BufferedWriter;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Random;

/**
 * Benchmark (a {@code main}, not a test): validation throughput and peak heap on a generated Alpaca JSONL file, then
 * tokenization throughput (template + tokenizer + label masks) when a model folder is given.
 *
 * <pre>
 * java -Xmx512m -cp ... io.tuneforge.trainer.data.DatasetBenchmark [ROWS=200000] [MODEL_DIR [TEMPLATE|model] [ENCODE_ROWS=20000]]
 * </pre>
 */
public final class DatasetBenchmark {

    private DatasetBenchmark() {
    }

    public static void main(String[] args) throws IOException {
        int rows = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        Path file = Files.createTempFile("tuneforge-bench-alpaca-", ".jsonl");
        try {
            generate(file, rows);
            System.out.printf(Locale.ROOT, "generated %,d rows, %.1f MB: %s%n", rows, Files.size(file) / 1e6, file);
            validate(file);
            validate(file);
            if (args.length > 1) {
                tokenize(file, Path.of(args[1]), args.length > 2 ? args[2] : "model",
                        args.length > 3 ? Integer.parseInt(args[3]) : 20_000);
            }
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /** Alpaca rows of realistic size (instruction ~12 words, input half the time, output ~80 words). */
    private static void generate(Path file, int rows) throws IOException {
        Random random = new Random(42);
        String[] words = ("the a model data train learn story cat dog house river light small large quick slow answer "
                + "question explain write list describe compare numbers code function value because however").split(" ");
        try (BufferedWriter out = Files.newBufferedWriter(file)) {
            for (int i = 0; i < rows; i++) {
                out.write("{\"instruction\": \"" + sentence(random, words, 12) + " " + i + "\", \"input\": \""
                        + (random.nextBoolean() ? sentence(random, words, 20) : "") + "\", \"output\": \""
                        + sentence(random, words, 80) + "\"}\n");
            }
        }
    }

    private static String sentence(Random random, String[] words, int n) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < n; i++) {
            s.append(i == 0 ? "" : " ").append(words[random.nextInt(words.length)]);
        }
        return s.toString();
    }

    private static void validate(Path file) {
        System.gc();
        resetPeaks();
        long start = System.nanoTime();
        ValidationReport report = DatasetValidator.validate(DatasetSpec.detecting(file),
                ValidationOptions.defaults());
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf(Locale.ROOT, "validate: %,d rows in %.2f s = %,.0f rows/s, valid=%s, peak heap %.1f MB "
                        + "(max heap %.0f MB)%n", report.records(), seconds, report.records() / seconds, report.valid(),
                peakHeapBytes() / 1e6, Runtime.getRuntime().maxMemory() / 1e6);
    }

    private static void tokenize(Path file, Path modelDir, String template, int encodeRows) {
        List<Example> examples = new ArrayList<>(Datasets.load(DatasetSpec.of(file, DatasetFormat.ALPACA),
                ValidationOptions.defaults()).examples().subList(0, encodeRows));
        try (TextTokenizer tokenizer = TextTokenizer.load(modelDir)) {
            ConversationEncoder encoder = new ConversationEncoder(
                    ChatTemplates.forModel(modelDir, template.equals("model") ? Optional.empty() : Optional.of(template)),
                    tokenizer, EncodingOptions.defaults());
            encoder.encodeAll(examples.subList(0, Math.min(500, examples.size())));   // warm-up
            long start = System.nanoTime();
            EncodedDataset encoded = encoder.encodeAll(examples);
            double seconds = (System.nanoTime() - start) / 1e9;
            System.out.printf(Locale.ROOT, "encode (%s, template %s): %,d rows in %.2f s = %,.0f rows/s, "
                            + "%,.0f tokens/s, mean %.0f tokens/row%n", modelDir.getFileName(), template, examples.size(),
                    seconds, examples.size() / seconds, encoded.stats().totalTokens() / seconds,
                    encoded.stats().meanLength());
        }
    }

    private static void resetPeaks() {
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            pool.resetPeakUsage();
        }
    }

    private static long peakHeapBytes() {
        long sum = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                sum += pool.getPeakUsage().getUsed();
            }
        }
        return sum;
    }
}
