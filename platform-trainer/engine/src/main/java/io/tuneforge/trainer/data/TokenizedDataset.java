package io.tuneforge.trainer.data;

import io.tuneforge.shared.dataset.DatasetException;
import io.tuneforge.shared.files.FileTrees;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A tokenized training set kept on disk ({@code tokenized_path}, LLaMA-Factory's preprocessed dataset): the first run
 * tokenizes and saves, later runs load it and skip reading and encoding the data. The folder holds
 * {@code train.jsonl} and {@code validation.jsonl} ({@code {"input_ids": [...], "labels": [...]}} per sample) and
 * {@code tokenized.json}, what the samples were made with ({@link Provenance}). LLaMA-Factory loads such a folder
 * whatever the current data arguments say; TuneForge refuses one made with another tokenizer, template or cutoff, the
 * template mismatch its users lose runs to.
 *
 * @param provenance what the samples were made with
 * @param train      training samples
 * @param validation validation samples (empty without a split)
 */
public record TokenizedDataset(Provenance provenance, List<TokenizedSample> train, List<TokenizedSample> validation) {

    /** The file describing the folder; its presence marks a complete folder (it is written last). */
    public static final String DESCRIPTION = "tokenized.json";
    /** This format's version, written to {@link #DESCRIPTION}. */
    public static final int FORMAT = 1;

    private static final JsonMapper JSON = JsonMapper.builder().build();

    public TokenizedDataset {
        train = List.copyOf(train);
        validation = List.copyOf(validation);
    }

    /**
     * What the samples depend on.
     *
     * @param tokenizerSha256 SHA-256 of the model's {@code tokenizer.json}
     * @param template        the chat template's name
     * @param cutoffLen       the longest sample in tokens
     * @param stage           the training stage (sft, pt)
     * @param datasets        the datasets read, as the recipe named them
     */
    public record Provenance(String tokenizerSha256, String template, int cutoffLen, String stage,
                             List<String> datasets) {

        public Provenance {
            datasets = List.copyOf(datasets);
        }

        /** What differs between samples made with {@code this} and a run with {@code wanted}; empty when none. */
        List<String> differences(Provenance wanted) {
            List<String> out = new ArrayList<>();
            if (!tokenizerSha256.equals(wanted.tokenizerSha256)) {
                out.add("the tokenizer (tokenizer.json differs)");
            }
            if (!template.equals(wanted.template)) {
                out.add("template " + template + " (this run: " + wanted.template + ")");
            }
            if (cutoffLen != wanted.cutoffLen) {
                out.add("cutoff_len " + cutoffLen + " (this run: " + wanted.cutoffLen + ")");
            }
            if (!stage.equals(wanted.stage)) {
                out.add("stage " + stage + " (this run: " + wanted.stage + ")");
            }
            return out;
        }
    }

    /** Whether {@code folder} holds a complete tokenized dataset. */
    public static boolean exists(Path folder) {
        return Files.isRegularFile(folder.resolve(DESCRIPTION));
    }

    /** SHA-256 of the model folder's {@code tokenizer.json}, hex. */
    public static String tokenizerFingerprint(Path modelDir) throws IOException {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(
                    modelDir.resolve("tokenizer.json")));
            return HexFormat.of().formatHex(hash);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Writes the dataset into {@code folder} (which must not exist): into a sibling first, renamed into place whole.
     */
    public void write(Path folder) throws IOException {
        Path target = folder.toAbsolutePath().normalize();
        if (Files.exists(target)) {
            throw new DatasetException("tokenized_path: " + target + " exists but holds no " + DESCRIPTION
                    + "; point tokenized_path at a new folder");
        }
        Files.createDirectories(target.getParent());
        Path temp = target.resolveSibling("." + target.getFileName() + ".writing-" + UUID.randomUUID());
        try {
            Files.createDirectories(temp);
            writeSamples(temp.resolve("train.jsonl"), train);
            writeSamples(temp.resolve("validation.jsonl"), validation);
            Map<String, Object> description = new LinkedHashMap<>();
            description.put("format", FORMAT);
            description.put("tokenizer_sha256", provenance.tokenizerSha256());
            description.put("template", provenance.template());
            description.put("cutoff_len", provenance.cutoffLen());
            description.put("stage", provenance.stage());
            description.put("datasets", provenance.datasets());
            description.put("train_samples", train.size());
            description.put("validation_samples", validation.size());
            Files.writeString(temp.resolve(DESCRIPTION), JSON.writerWithDefaultPrettyPrinter()
                    .writeValueAsString(description) + "\n");
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            FileTrees.deleteOrFail(temp, "the folder");
        }
    }

    /**
     * Reads the dataset in {@code folder}, refusing one made differently from {@code wanted} (naming what differs).
     */
    public static TokenizedDataset read(Path folder, Provenance wanted) throws IOException {
        Path file = folder.resolve(DESCRIPTION);
        JsonNode description;
        try {
            description = JSON.readTree(file.toFile());
        } catch (JacksonException e) {
            throw new DatasetException(file + ": not valid JSON (" + e.getOriginalMessage() + ")");
        }
        if (description.path("format").asInt(0) != FORMAT) {
            throw new DatasetException(file + ": format " + description.path("format") + " is not "
                    + FORMAT + "; delete the folder to tokenize again");
        }
        List<String> datasets = new ArrayList<>();
        description.path("datasets").forEach(d -> datasets.add(d.asString()));
        Provenance saved = new Provenance(description.path("tokenizer_sha256").asString(""),
                description.path("template").asString(""), description.path("cutoff_len").asInt(0),
                description.path("stage").asString(""), datasets);
        List<String> differences = saved.differences(wanted);
        if (!differences.isEmpty()) {
            throw new DatasetException("tokenized_path: " + folder + " was tokenized with "
                    + String.join(", ", differences) + "; delete it or point tokenized_path at a new folder to "
                    + "tokenize again");
        }
        return new TokenizedDataset(saved, readSamples(folder.resolve("train.jsonl")),
                readSamples(folder.resolve("validation.jsonl")));
    }

    private static void writeSamples(Path file, List<TokenizedSample> samples) throws IOException {
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            for (TokenizedSample s : samples) {
                Map<String, int[]> row = new LinkedHashMap<>();
                row.put("input_ids", s.inputIds());
                row.put("labels", s.labels());
                w.write(JSON.writeValueAsString(row));
                w.write('\n');
            }
        }
    }

    private static List<TokenizedSample> readSamples(Path file) throws IOException {
        List<TokenizedSample> out = new ArrayList<>();
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            int number = 0;
            while ((line = reader.readLine()) != null) {
                number++;
                if (line.isBlank()) {
                    continue;
                }
                try {
                    JsonNode row = JSON.readTree(line);
                    out.add(new TokenizedSample(ints(row.path("input_ids")), ints(row.path("labels"))));
                } catch (JacksonException | IllegalArgumentException e) {
                    throw new DatasetException(file + ", line " + number + ": not a tokenized sample ("
                            + e.getMessage() + ")");
                }
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        return out;
    }

    private static int[] ints(JsonNode array) {
        if (!array.isArray()) {
            throw new IllegalArgumentException("input_ids and labels must be arrays of integers");
        }
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asInt();
        }
        return out;
    }
}
