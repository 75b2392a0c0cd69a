package io.tuneforge.web.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Model folders of the families TuneForge loads, for jobs in web tests: the tiny random checkpoints the engine's
 * family golden tests use (made by transformers' own config classes, see the engine's
 * {@code src/test/python/tiny_family_golden.py}; vocabulary 64), each with a character-level tokenizer of exactly 64
 * entries written here (a WordLevel model over single characters, {@code <bos>} added by its post-processor), so a
 * job can tokenize, train, merge and generate on them.
 */
public final class TinyFamilies {

    /** Where the engine module keeps the tiny checkpoints, from this module's folder (the reactor's layout). */
    private static final Path CHECKPOINTS = Path.of("..", "platform-trainer", "engine", "src", "test", "resources",
            "models");

    /** Special tokens at ids 0..3, as the checkpoints' configs name pad 0, bos 1, eos 2. */
    private static final List<String> SPECIALS = List.of("<pad>", "<bos>", "<eos>", "<unk>");

    /** The characters after the specials: 60 of them, filling the vocabulary of 64. */
    private static final String CHARACTERS = " abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXY.,?!':#\n";

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private TinyFamilies() {
    }

    /** The tiny checkpoint {@code name} (e.g. gemma2-tiny) copied into {@code target} with the tokenizer files. */
    public static Path model(String name, Path target) {
        try {
            Files.createDirectories(target);
            for (String file : List.of("config.json", "model.safetensors")) {
                Files.copy(CHECKPOINTS.resolve(name).resolve(file), target.resolve(file));
            }
            if (Files.isRegularFile(CHECKPOINTS.resolve(name).resolve("tokenizer.json"))) {
                // the T5 checkpoints carry their own character tokenizer (T5's layout: <pad> 0, </s> 1, <unk> 2)
                for (String file : List.of("tokenizer.json", "tokenizer_config.json")) {
                    Files.copy(CHECKPOINTS.resolve(name).resolve(file), target.resolve(file));
                }
                return target;
            }
            Files.writeString(target.resolve("tokenizer.json"), tokenizerJson());
            Files.writeString(target.resolve("tokenizer_config.json"), """
                    {"bos_token": "<bos>", "eos_token": "<eos>", "pad_token": "<pad>", "unk_token": "<unk>",
                     "tokenizer_class": "PreTrainedTokenizerFast"}
                    """);
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String tokenizerJson() {
        if (SPECIALS.size() + CHARACTERS.length() != 64) {
            throw new IllegalStateException("the vocabulary must have the checkpoints' 64 entries");
        }
        ObjectNode root = JSON.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        for (int id = 0; id < SPECIALS.size(); id++) {
            added.addObject().put("id", id).put("content", SPECIALS.get(id)).put("single_word", false)
                    .put("lstrip", false).put("rstrip", false).put("normalized", false).put("special", true);
        }
        root.putNull("normalizer");
        ObjectNode split = root.putObject("pre_tokenizer");
        split.put("type", "Split");
        split.putObject("pattern").put("Regex", "[\\s\\S]");
        split.put("behavior", "Isolated");
        split.put("invert", false);
        ObjectNode post = root.putObject("post_processor");
        post.put("type", "TemplateProcessing");
        post.putArray("single").add(special("<bos>")).add(sequence("A"));
        post.putArray("pair").add(special("<bos>")).add(sequence("A")).add(sequence("B"));
        post.putObject("special_tokens").putObject("<bos>").put("id", "<bos>")
                .set("ids", JSON.createArrayNode().add(1));
        ((ObjectNode) post.get("special_tokens").get("<bos>")).putArray("tokens").add("<bos>");
        root.putObject("decoder").put("type", "Fuse");
        ObjectNode model = root.putObject("model");
        model.put("type", "WordLevel");
        ObjectNode vocab = model.putObject("vocab");
        List<String> tokens = new ArrayList<>(SPECIALS);
        CHARACTERS.chars().forEach(c -> tokens.add(Character.toString(c)));
        for (int id = 0; id < tokens.size(); id++) {
            vocab.put(tokens.get(id), id);
        }
        model.put("unk_token", "<unk>");
        return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root);
    }

    private static ObjectNode special(String token) {
        ObjectNode node = JSON.createObjectNode();
        node.putObject("SpecialToken").put("id", token).put("type_id", 0);
        return node;
    }

    private static ObjectNode sequence(String id) {
        ObjectNode node = JSON.createObjectNode();
        node.putObject("Sequence").put("id", id).put("type_id", 0);
        return node;
    }
}
