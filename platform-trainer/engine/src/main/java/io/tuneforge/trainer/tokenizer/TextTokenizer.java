package io.tuneforge.trainer.tokenizer;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A model's tokenizer: Hugging Face {@code tokenizer.json} run by {@code ai.djl.huggingface:tokenizers} with
 * truncation and padding OFF and no special tokens added by the library. The special ids around a text come from the
 * {@code post_processor} of {@code tokenizer.json} alone, as transformers 5 applies them for every tokenizer class
 * ({@link PostProcessor}, DD022); the named tokens from {@code tokenizer_config.json} ({@code bos_token},
 * {@code eos_token}, {@code added_tokens_decoder}) and the ids of {@code generation_config.json} / {@code config.json}.
 *
 * <p>Special-token text inside the input (for example {@code <|im_start|>} written by a chat template) is
 * recognised as the special token, as Hugging Face does.
 */
public final class TextTokenizer implements AutoCloseable {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final HuggingFaceTokenizer tokenizer;
    private final SpecialTokens special;
    private final Set<Integer> specialIds;
    private final Map<Integer, String> addedTokens;
    private final int vocabSize;

    private TextTokenizer(HuggingFaceTokenizer tokenizer, SpecialTokens special, Map<Integer, String> addedTokens,
                          Set<Integer> specialIds, int vocabSize) {
        this.tokenizer = tokenizer;
        this.special = special;
        this.addedTokens = addedTokens;
        this.specialIds = specialIds;
        this.vocabSize = vocabSize;
    }

    /**
     * Loads {@code tokenizer.json} of a model (or tokenizer) directory, with its {@code tokenizer_config.json} and,
     * where present, {@code generation_config.json} and {@code config.json}.
     */
    public static TextTokenizer load(Path directory) {
        Path tokenizerJson = directory.resolve("tokenizer.json");
        if (!Files.isRegularFile(tokenizerJson)) {
            throw new TokenizerException(directory + " has no tokenizer.json: TuneForge needs the fast-tokenizer file "
                    + "of the model (save it with AutoTokenizer.from_pretrained(...).save_pretrained(dir))");
        }
        JsonNode tokenizerRoot = readJson(tokenizerJson);
        JsonNode config = readOptionalJson(directory.resolve("tokenizer_config.json"));
        JsonNode generation = readOptionalJson(directory.resolve("generation_config.json"));
        JsonNode modelConfig = readOptionalJson(directory.resolve("config.json"));

        Map<String, String> options = Map.of(
                "truncation", "false",
                "padding", "false",
                "addSpecialTokens", "false",
                "maxLength", String.valueOf(Integer.MAX_VALUE));
        HuggingFaceTokenizer tokenizer;
        try (InputStream in = Files.newInputStream(tokenizerJson)) {
            tokenizer = HuggingFaceTokenizer.newInstance(in, options);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + tokenizerJson, e);
        } catch (RuntimeException e) {
            throw new TokenizerException(tokenizerJson + " could not be loaded by the tokenizers library: " + e.getMessage(), e);
        }
        Map<String, Integer> vocab = new HashMap<>();
        tokenizerRoot.path("model").path("vocab").properties().forEach(e -> {
            if (e.getValue().isNumber()) {
                vocab.put(e.getKey(), e.getValue().asInt());
            }
        });
        Map<Integer, String> added = new HashMap<>();
        Set<Integer> specialIds = new LinkedHashSet<>();
        for (JsonNode t : tokenizerRoot.path("added_tokens")) {
            added.put(t.path("id").asInt(), t.path("content").asString());
            vocab.put(t.path("content").asString(), t.path("id").asInt());
            if (t.path("special").asBoolean(false)) {
                specialIds.add(t.path("id").asInt());
            }
        }
        config.path("added_tokens_decoder").properties().forEach(e -> {
            int id = Integer.parseInt(e.getKey());
            String content = e.getValue().path("content").asString();
            added.put(id, content);
            vocab.put(content, id);
            if (e.getValue().path("special").asBoolean(false)) {
                specialIds.add(id);
            }
        });
        int vocabSize = vocab.values().stream().mapToInt(Integer::intValue).max().orElse(-1) + 1;
        PostProcessor template = PostProcessor.parse(tokenizerRoot.path("post_processor"), tokenizerJson);
        SpecialTokens special = resolveSpecialTokens(directory, config, generation, modelConfig, vocab, template);
        return new TextTokenizer(tokenizer, special, added, specialIds, vocabSize);
    }

    private static SpecialTokens resolveSpecialTokens(Path directory, JsonNode config, JsonNode generation,
                                                      JsonNode modelConfig, Map<String, Integer> vocab,
                                                      PostProcessor template) {
        Optional<String> bos = tokenText(config.path("bos_token"));
        Optional<String> eos = tokenText(config.path("eos_token"));
        Optional<String> pad = tokenText(config.path("pad_token"));
        OptionalInt bosId = bos.map(t -> idOf(directory, vocab, t, "bos_token"))
                .orElseGet(() -> firstId(generation.path("bos_token_id"), modelConfig.path("bos_token_id")));
        List<Integer> eosIds = new ArrayList<>();
        eos.ifPresent(t -> eosIds.add(idOf(directory, vocab, t, "eos_token").getAsInt()));
        for (JsonNode source : List.of(generation.path("eos_token_id"), modelConfig.path("eos_token_id"))) {
            if (source.isArray()) {
                source.forEach(id -> addOnce(eosIds, id.asInt()));
            } else if (source.isNumber()) {
                addOnce(eosIds, source.asInt());
            }
        }
        OptionalInt padId = pad.map(t -> idOf(directory, vocab, t, "pad_token"))
                .orElse(eosIds.isEmpty() ? OptionalInt.empty() : OptionalInt.of(eosIds.getFirst()));
        return new SpecialTokens(bos, bosId, template, eos, eosIds, padId);
    }

    private static void addOnce(List<Integer> ids, int id) {
        if (!ids.contains(id)) {
            ids.add(id);
        }
    }

    private static OptionalInt firstId(JsonNode... nodes) {
        for (JsonNode n : nodes) {
            if (n.isNumber()) {
                return OptionalInt.of(n.asInt());
            }
        }
        return OptionalInt.empty();
    }

    private static OptionalInt idOf(Path directory, Map<String, Integer> vocab, String token, String field) {
        Integer id = vocab.get(token);
        if (id == null) {
            throw new TokenizerException(directory.resolve("tokenizer_config.json") + ": " + field + " '" + token
                    + "' is not in the vocabulary of tokenizer.json");
        }
        return OptionalInt.of(id);
    }

    /** {@code "bos_token": "<s>"} or {@code {"content": "<s>", ...}}; null or absent gives empty. */
    private static Optional<String> tokenText(JsonNode node) {
        if (node.isString()) {
            return Optional.of(node.asString());
        }
        if (node.isObject() && node.path("content").isString()) {
            return Optional.of(node.path("content").asString());
        }
        return Optional.empty();
    }

    private static JsonNode readJson(Path file) {
        try {
            return JSON.readTree(file.toFile());
        } catch (JacksonException e) {
            throw new TokenizerException(file + " is not valid JSON: " + e.getOriginalMessage(), e);
        }
    }

    private static JsonNode readOptionalJson(Path file) {
        return Files.isRegularFile(file) ? readJson(file) : JSON.createObjectNode();
    }

    /** The special tokens of this model. */
    public SpecialTokens specialTokens() {
        return special;
    }

    /** One more than the largest token id known to the tokenizer (base vocabulary and added tokens). */
    public int vocabSize() {
        return vocabSize;
    }

    /** Token ids of {@code text} without any special token added. */
    public int[] encode(String text) {
        Encoding encoding = tokenizer.encode(text, false, false);
        long[] ids = encoding.getIds();
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = (int) ids[i];
        }
        return out;
    }

    /**
     * Token ids of {@code text} starting with the post-processor's leading special ids (a BOS) when
     * {@link SpecialTokens#addBos()}, for a prompt or a document; not added again when the text already starts with
     * them (a chat template that writes the BOS text). Trailing template ids (an EOS) are the caller's to add.
     */
    public int[] encodeWithBos(String text) {
        int[] ids = encode(text);
        List<Integer> prefix = special.template().prefixIds();
        if (prefix.isEmpty() || startsWith(ids, prefix)) {
            return ids;
        }
        return concat(prefix, ids, List.of());
    }

    /** Token ids of {@code text} exactly as transformers' {@code tokenizer.encode(text)}: template ids on both sides. */
    public int[] encodeWithSpecialTokens(String text) {
        return concat(special.template().prefixIds(), encode(text), special.template().suffixIds());
    }

    private static boolean startsWith(int[] ids, List<Integer> prefix) {
        if (ids.length < prefix.size()) {
            return false;
        }
        for (int i = 0; i < prefix.size(); i++) {
            if (ids[i] != prefix.get(i)) {
                return false;
            }
        }
        return true;
    }

    private static int[] concat(List<Integer> prefix, int[] ids, List<Integer> suffix) {
        int[] out = new int[prefix.size() + ids.length + suffix.size()];
        for (int i = 0; i < prefix.size(); i++) {
            out[i] = prefix.get(i);
        }
        System.arraycopy(ids, 0, out, prefix.size(), ids.length);
        for (int i = 0; i < suffix.size(); i++) {
            out[prefix.size() + ids.length + i] = suffix.get(i);
        }
        return out;
    }

    /** Text of the ids; special tokens are skipped when {@code skipSpecialTokens}. */
    public String decode(int[] ids, boolean skipSpecialTokens) {
        long[] longs = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            longs[i] = ids[i];
        }
        return tokenizer.decode(longs, skipSpecialTokens);
    }

    /** Text of the ids with special tokens skipped. */
    public String decode(int[] ids) {
        return decode(ids, true);
    }

    /** True for ids of special added tokens (BOS, EOS, chat markers). */
    public boolean isSpecial(int id) {
        return specialIds.contains(id);
    }

    /**
     * The texts of the special added tokens ({@code </s>}, {@code <|im_end|>}, ...), longest first: what
     * {@code decode(ids, true)} leaves out when they come as their own ids, and what a model that learned them as
     * plain characters may still spell out.
     */
    public List<String> specialTokenTexts() {
        return specialIds.stream().map(addedTokens::get).filter(t -> t != null && !t.isEmpty()).distinct()
                .sorted(java.util.Comparator.comparingInt(String::length).reversed()).toList();
    }

    /** The text of an added token, if {@code id} is one. */
    public Optional<String> addedToken(int id) {
        return Optional.ofNullable(addedTokens.get(id));
    }

    /** The id of a token's exact text (an added token or a vocabulary entry), if any. */
    public OptionalInt tokenId(String token) {
        for (Map.Entry<Integer, String> e : addedTokens.entrySet()) {
            if (e.getValue().equals(token)) {
                return OptionalInt.of(e.getKey());
            }
        }
        int[] ids = encode(token);
        return ids.length == 1 && decode(ids, false).equals(token) ? OptionalInt.of(ids[0]) : OptionalInt.empty();
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
