package io.tuneforge.trainer.export;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The tokenizer of a Hugging Face model directory as GGUF {@code tokenizer.*} metadata, following
 * llama.cpp's {@code convert_hf_to_gguf.py}:
 * <ul>
 *   <li>with a SentencePiece {@code tokenizer.model}: model {@code llama}, its pieces, scores and piece types;</li>
 *   <li>else a {@code tokenizer.json} BPE with byte fallback (SentencePiece-style {@code ▁} pieces): model
 *       {@code llama}, score {@code -rank} of the merge producing each token (0 for tokens no merge produces), so
 *       llama.cpp's score-driven merging follows the BPE merge order; {@code <0xNN>} tokens are BYTE;</li>
 *   <li>else a byte-level BPE {@code tokenizer.json} (Llama 3, Qwen): model {@code gpt2} with merges and the
 *       pre-tokenizer name for the two regexes llama.cpp knows here ({@code llama-bpe}, {@code qwen2}).</li>
 * </ul>
 * Added tokens are CONTROL when special, USER_DEFINED otherwise; the list is padded to {@code vocab_size} with
 * UNUSED {@code [PAD<i>]} tokens. Special ids, {@code add_bos_token}/{@code add_eos_token} and the chat template come
 * from {@code tokenizer_config.json} (ids falling back to {@code config.json}).
 *
 * @param model        tokenizer.ggml.model
 * @param pre          tokenizer.ggml.pre (gpt2 only)
 * @param tokens       tokenizer.ggml.tokens, by id
 * @param scores       tokenizer.ggml.scores (llama only)
 * @param types        tokenizer.ggml.token_type
 * @param merges       tokenizer.ggml.merges as "left right" (empty when the source has none)
 * @param bos          tokenizer.ggml.bos_token_id
 * @param eos          tokenizer.ggml.eos_token_id
 * @param unk          tokenizer.ggml.unknown_token_id
 * @param pad          tokenizer.ggml.padding_token_id
 * @param addBos       tokenizer.ggml.add_bos_token
 * @param addEos       tokenizer.ggml.add_eos_token
 * @param chatTemplate tokenizer.chat_template (the Jinja source)
 */
public record GgufTokenizer(String model, Optional<String> pre, List<String> tokens, Optional<float[]> scores,
                            int[] types, List<String> merges, OptionalInt bos, OptionalInt eos, OptionalInt unk,
                            OptionalInt pad, Optional<Boolean> addBos, Optional<Boolean> addEos,
                            Optional<String> chatTemplate) {

    public static final int NORMAL = 1;
    public static final int UNKNOWN = 2;
    public static final int CONTROL = 3;
    public static final int USER_DEFINED = 4;
    public static final int UNUSED = 5;
    public static final int BYTE = 6;

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String LLAMA3_DIGITS = "\\p{N}{1,3}";

    /** Reads the tokenizer of {@code dir}, padding to {@code vocabSize} (config.json's vocab_size). */
    public static GgufTokenizer read(Path dir, int vocabSize) {
        JsonNode tokenizerConfig = readJson(dir.resolve("tokenizer_config.json"));
        JsonNode tokenizerJson = readJson(dir.resolve("tokenizer.json"));
        Vocabulary vocab;
        if (Files.isRegularFile(dir.resolve("tokenizer.model"))) {
            vocab = Vocabulary.fromSentencePiece(SentencePieceModel.read(dir.resolve("tokenizer.model")));
        } else if (!tokenizerJson.isMissingNode()) {
            vocab = Vocabulary.fromTokenizerJson(dir.resolve("tokenizer.json"), tokenizerJson);
        } else {
            throw new ExportException(dir + ": no tokenizer.model or tokenizer.json to export");
        }
        vocab.addAddedTokens(tokenizerJson.path("added_tokens"), tokenizerConfig.path("added_tokens_decoder"));
        vocab.padTo(vocabSize);
        JsonNode config = readJson(dir.resolve("config.json"));
        return new GgufTokenizer(vocab.model, vocab.pre, List.copyOf(vocab.tokens),
                vocab.scores == null ? Optional.empty() : Optional.of(vocab.scoreArray()), vocab.typeArray(),
                List.copyOf(vocab.merges),
                specialId(vocab, tokenizerConfig, config, "bos"), specialId(vocab, tokenizerConfig, config, "eos"),
                specialId(vocab, tokenizerConfig, config, "unk"), specialId(vocab, tokenizerConfig, config, "pad"),
                optionalBool(tokenizerConfig.path("add_bos_token")), optionalBool(tokenizerConfig.path("add_eos_token")),
                chatTemplate(dir, tokenizerConfig));
    }

    /** Writes every {@code tokenizer.*} key. */
    public void writeTo(GgufWriter gguf) {
        gguf.putString("tokenizer.ggml.model", model);
        pre.ifPresent(p -> gguf.putString("tokenizer.ggml.pre", p));
        gguf.putStringArray("tokenizer.ggml.tokens", tokens);
        scores.ifPresent(s -> gguf.putFloat32Array("tokenizer.ggml.scores", s));
        gguf.putInt32Array("tokenizer.ggml.token_type", types);
        if (!merges.isEmpty()) {
            gguf.putStringArray("tokenizer.ggml.merges", merges);
        }
        bos.ifPresent(id -> gguf.putUint32("tokenizer.ggml.bos_token_id", id));
        eos.ifPresent(id -> gguf.putUint32("tokenizer.ggml.eos_token_id", id));
        unk.ifPresent(id -> gguf.putUint32("tokenizer.ggml.unknown_token_id", id));
        pad.ifPresent(id -> gguf.putUint32("tokenizer.ggml.padding_token_id", id));
        addBos.ifPresent(b -> gguf.putBool("tokenizer.ggml.add_bos_token", b));
        addEos.ifPresent(b -> gguf.putBool("tokenizer.ggml.add_eos_token", b));
        chatTemplate.ifPresent(t -> gguf.putString("tokenizer.chat_template", t));
    }

    /** The text of token {@code id}, when the id exists. */
    public Optional<String> token(OptionalInt id) {
        return id.isPresent() && id.getAsInt() < tokens.size() ? Optional.of(tokens.get(id.getAsInt()))
                : Optional.empty();
    }

    private static OptionalInt specialId(Vocabulary vocab, JsonNode tokenizerConfig, JsonNode config, String kind) {
        JsonNode token = tokenizerConfig.path(kind + "_token");
        String text = token.isObject() ? token.path("content").asString(null) : token.isString() ? token.asString() : null;
        if (text != null) {
            int id = vocab.tokens.indexOf(text);
            if (id >= 0) {
                return OptionalInt.of(id);
            }
        }
        JsonNode id = config.path(kind + "_token_id");
        if (id.isArray() && !id.isEmpty()) {
            id = id.get(0);
        }
        return id.isIntegralNumber() && id.asInt() >= 0 ? OptionalInt.of(id.asInt()) : OptionalInt.empty();
    }

    private static Optional<Boolean> optionalBool(JsonNode node) {
        return node.isBoolean() ? Optional.of(node.asBoolean()) : Optional.empty();
    }

    private static Optional<String> chatTemplate(Path dir, JsonNode tokenizerConfig) {
        JsonNode template = tokenizerConfig.path("chat_template");
        if (template.isString()) {
            return Optional.of(template.asString());
        }
        if (template.isArray()) {
            for (JsonNode named : template) {
                if (named.path("name").asString("").equals("default")) {
                    return Optional.of(named.path("template").asString());
                }
            }
        }
        Path jinja = dir.resolve("chat_template.jinja");
        if (Files.isRegularFile(jinja)) {
            try {
                return Optional.of(Files.readString(jinja));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + jinja, e);
            }
        }
        return Optional.empty();
    }

    private static JsonNode readJson(Path file) {
        return Files.isRegularFile(file) ? JSON.readTree(file.toFile()) : JSON.missingNode();
    }

    /** Tokens by id while they are assembled. */
    private static final class Vocabulary {
        String model;
        Optional<String> pre = Optional.empty();
        final List<String> tokens = new ArrayList<>();
        List<Float> scores;
        final List<Integer> types = new ArrayList<>();
        final List<String> merges = new ArrayList<>();

        static Vocabulary fromSentencePiece(SentencePieceModel spm) {
            Vocabulary v = new Vocabulary();
            v.model = "llama";
            v.scores = new ArrayList<>();
            for (int i = 0; i < spm.pieces().size(); i++) {
                v.tokens.add(spm.pieces().get(i));
                v.scores.add(spm.scores()[i]);
                v.types.add(spm.types()[i]);
            }
            return v;
        }

        static Vocabulary fromTokenizerJson(Path file, JsonNode json) {
            JsonNode model = json.path("model");
            if (!model.path("type").asString("").equals("BPE")) {
                throw new ExportException(file + ": model.type \"" + model.path("type").asString("")
                        + "\" is not supported; GGUF export handles BPE tokenizers (and SentencePiece tokenizer.model)");
            }
            Vocabulary v = new Vocabulary();
            boolean byteFallback = model.path("byte_fallback").asBoolean(false);
            v.model = byteFallback ? "llama" : "gpt2";
            Map<Integer, String> byId = new HashMap<>();
            model.path("vocab").properties().forEach(e -> byId.put(e.getValue().asInt(), e.getKey()));
            int size = byId.keySet().stream().mapToInt(Integer::intValue).max().orElse(-1) + 1;
            for (int id = 0; id < size; id++) {
                String token = byId.get(id);
                v.tokens.add(token != null ? token : "[PAD" + id + "]");
                v.types.add(token == null ? UNUSED
                        : byteFallback && token.matches("<0x[0-9A-Fa-f]{2}>") ? BYTE : NORMAL);
            }
            for (JsonNode merge : model.path("merges")) {
                v.merges.add(merge.isArray() ? merge.get(0).asString() + " " + merge.get(1).asString() : merge.asString());
            }
            if (byteFallback) {
                v.scores = new ArrayList<>(java.util.Collections.nCopies(size, 0f));
                Map<String, Integer> ids = new HashMap<>();
                for (int i = 0; i < v.tokens.size(); i++) {
                    ids.putIfAbsent(v.tokens.get(i), i);
                }
                for (int rank = v.merges.size() - 1; rank >= 0; rank--) { // earliest merge wins
                    Integer id = ids.get(v.merges.get(rank).replace(" ", ""));
                    if (id != null) {
                        v.scores.set(id, (float) -rank);
                    }
                }
                String unk = model.path("unk_token").asString(null);
                if (unk != null && ids.containsKey(unk)) {
                    v.types.set(ids.get(unk), UNKNOWN);
                }
            } else {
                v.pre = preTokenizer(json.path("pre_tokenizer"));
            }
            return v;
        }

        /** llama.cpp names pre-tokenizers by hashing tokenizer output; we recognise the two regexes by sight. */
        private static Optional<String> preTokenizer(JsonNode pre) {
            String text = pre.toString();
            if (!text.contains("\\\\p{L}+")) {
                return Optional.empty();
            }
            return Optional.of(text.contains(LLAMA3_DIGITS.replace("\\", "\\\\")) ? "llama-bpe" : "qwen2");
        }

        void addAddedTokens(JsonNode addedTokens, JsonNode addedTokensDecoder) {
            Map<Integer, JsonNode> added = new HashMap<>();
            addedTokensDecoder.properties().forEach(e -> added.put(Integer.parseInt(e.getKey()), e.getValue()));
            for (JsonNode t : addedTokens) {
                added.putIfAbsent(t.path("id").asInt(), t);
            }
            added.forEach((id, t) -> {
                while (tokens.size() <= id) {
                    append("[PAD" + tokens.size() + "]", UNUSED);
                }
                String content = t.path("content").asString();
                tokens.set(id, content);
                if (types.get(id) != UNKNOWN) {
                    types.set(id, t.path("special").asBoolean(false) ? CONTROL : USER_DEFINED);
                }
            });
        }

        void padTo(int vocabSize) {
            while (tokens.size() < vocabSize) {
                append("[PAD" + tokens.size() + "]", UNUSED);
            }
        }

        private void append(String token, int type) {
            tokens.add(token);
            types.add(type);
            if (scores != null) {
                scores.add(-1000f);
            }
        }

        float[] scoreArray() {
            float[] s = new float[scores.size()];
            for (int i = 0; i < s.length; i++) {
                s[i] = scores.get(i);
            }
            return s;
        }

        int[] typeArray() {
            return types.stream().mapToInt(Integer::intValue).toArray();
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GgufTokenizer t && model.equals(t.model) && tokens.equals(t.tokens)
                && Arrays.equals(types, t.types) && merges.equals(t.merges);
    }

    @Override
    public int hashCode() {
        return tokens.hashCode();
    }

    @Override
    public String toString() {
        return "GgufTokenizer[" + model + ", " + tokens.size() + " tokens, " + merges.size() + " merges]";
    }
}
