package io.tuneforge.trainer.training.classification;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The label set of a classification head, in class-index order (transformers' {@code id2label}); saved beside the
 * head as {@value #FILE} holding the entries transformers' {@code config.json} needs ({@code architectures},
 * {@code num_labels}, {@code id2label}, {@code label2id}), which merge copies into the merged model's config.
 *
 * @param names label names; index = class id
 */
public record ClassLabels(List<String> names) {

    /** The file beside a saved head. */
    public static final String FILE = "classification_head.json";

    private static final JsonMapper JSON = JsonMapper.builder().build();

    public ClassLabels {
        names = List.copyOf(names);
        if (names.size() < 2) {
            throw new IllegalArgumentException("a classification head needs at least two labels, got " + names);
        }
        if (new TreeSet<>(names).size() != names.size()) {
            throw new IllegalArgumentException("classification labels must be distinct, got " + names);
        }
    }

    /** The distinct labels of a training set, sorted (as a Hugging Face {@code ClassLabel} built from them is). */
    public static ClassLabels of(Collection<String> labels) {
        return new ClassLabels(new ArrayList<>(new TreeSet<>(labels)));
    }

    /** transformers' placeholders {@code LABEL_0 ... LABEL_{n-1}} for a head saved without names. */
    public static ClassLabels placeholders(int count) {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            names.add("LABEL_" + i);
        }
        return new ClassLabels(names);
    }

    public int size() {
        return names.size();
    }

    /** The class id of {@code label}, or empty for a label the head does not know. */
    public Optional<Integer> indexOf(String label) {
        int index = names.indexOf(label);
        return index < 0 ? Optional.empty() : Optional.of(index);
    }

    /** The config.json entries of a {@code <Family>ForSequenceClassification} with these labels. */
    public ObjectNode configEntries(String causalArchitecture) {
        ObjectNode node = JSON.createObjectNode();
        node.putArray("architectures").add(sequenceClassificationArchitecture(causalArchitecture));
        node.put("num_labels", names.size());
        ObjectNode id2label = node.putObject("id2label");
        ObjectNode label2id = node.putObject("label2id");
        for (int i = 0; i < names.size(); i++) {
            id2label.put(Integer.toString(i), names.get(i));
            label2id.put(names.get(i), i);
        }
        return node;
    }

    /** {@code LlamaForCausalLM} → {@code LlamaForSequenceClassification}, as transformers names the head classes. */
    public static String sequenceClassificationArchitecture(String causalArchitecture) {
        return causalArchitecture.replace("ForCausalLM", "ForSequenceClassification");
    }

    /** Writes {@value #FILE} into {@code directory} atomically. */
    public void save(Path directory, String causalArchitecture) throws IOException {
        Path temp = directory.resolve("." + FILE + ".tmp");
        Files.writeString(temp, JSON.writerWithDefaultPrettyPrinter()
                .writeValueAsString(configEntries(causalArchitecture)) + "\n");
        Files.move(temp, directory.resolve(FILE), StandardCopyOption.REPLACE_EXISTING,
                StandardCopyOption.ATOMIC_MOVE);
    }

    /** The labels saved in {@code directory}, or empty when it has no {@value #FILE}. */
    public static Optional<ClassLabels> read(Path directory) throws IOException {
        Path file = directory.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        return Optional.of(fromId2Label(file));
    }

    /** The labels in a {@code *ForSequenceClassification} checkpoint's {@code config.json} ({@code id2label}). */
    public static ClassLabels readConfig(Path modelDir) throws IOException {
        return fromId2Label(modelDir.resolve("config.json"));
    }

    private static ClassLabels fromId2Label(Path file) throws IOException {
        JsonNode id2label = JSON.readTree(Files.readString(file)).path("id2label");
        List<String> names = new ArrayList<>();
        for (int i = 0; id2label.has(Integer.toString(i)); i++) {
            names.add(id2label.get(Integer.toString(i)).asString());
        }
        if (names.size() != id2label.size()) {
            throw new IOException(file + ": id2label must map 0.." + (id2label.size() - 1) + " to names");
        }
        return new ClassLabels(names);
    }
}
