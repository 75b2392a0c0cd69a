package io.tuneforge.trainer.tokenizer;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import tools.jackson.databind.JsonNode;

/**
 * The special ids the {@code post_processor} of {@code tokenizer.json} puts around a single text, which is where
 * transformers (5.x) takes BOS and EOS from for every tokenizer class: with a {@code tokenizer.json} present it drops
 * {@code add_bos_token}/{@code add_eos_token} of {@code tokenizer_config.json}, and a file without a post-processor
 * gets none (see DD022).
 *
 * <p>Supported post-processors, as the {@code tokenizers} library applies them to one sequence:
 * <pre>
 *   null / ByteLevel                   nothing
 *   TemplateProcessing (single)        the ids of each SpecialToken before / after the $A sequence
 *   BertProcessing / RobertaProcessing cls before, sep after
 *   Sequence                           each processor in turn (prefixes accumulate outward)
 * </pre>
 *
 * @param prefixIds special ids before the text (BOS), in order
 * @param suffixIds special ids after the text (an EOS), in order
 */
public record PostProcessor(List<Integer> prefixIds, List<Integer> suffixIds) {

    /** A post-processor that adds nothing. */
    public static final PostProcessor NONE = new PostProcessor(List.of(), List.of());

    public PostProcessor {
        prefixIds = List.copyOf(prefixIds);
        suffixIds = List.copyOf(suffixIds);
    }

    /** Reads {@code post_processor} of a {@code tokenizer.json} tree; {@code file} names it in messages. */
    public static PostProcessor parse(JsonNode node, Path file) {
        if (node == null || node.isMissingNode() || node.isNull()) {
            return NONE;
        }
        String type = node.path("type").asString("");
        return switch (type) {
            case "ByteLevel" -> NONE;
            case "TemplateProcessing" -> template(node, file);
            case "BertProcessing", "RobertaProcessing" -> new PostProcessor(
                    List.of(pairId(node.path("cls"), file, type + ".cls")),
                    List.of(pairId(node.path("sep"), file, type + ".sep")));
            case "Sequence" -> sequence(node.path("processors"), file);
            default -> throw new TokenizerException(file + ": post_processor type '" + type + "' is not supported "
                    + "(supported: ByteLevel, TemplateProcessing, BertProcessing, RobertaProcessing, Sequence)");
        };
    }

    private static PostProcessor sequence(JsonNode processors, Path file) {
        PostProcessor combined = NONE;
        for (JsonNode p : processors) {
            PostProcessor next = parse(p, file);
            List<Integer> prefix = new ArrayList<>(next.prefixIds);
            prefix.addAll(combined.prefixIds);
            List<Integer> suffix = new ArrayList<>(combined.suffixIds);
            suffix.addAll(next.suffixIds);
            combined = new PostProcessor(prefix, suffix);
        }
        return combined;
    }

    /** {@code single}: [{SpecialToken:{id}}, ..., {Sequence:{id:"A"}}, {SpecialToken:{id}}, ...]. */
    private static PostProcessor template(JsonNode node, Path file) {
        List<Integer> prefix = new ArrayList<>();
        List<Integer> suffix = new ArrayList<>();
        boolean seenSequence = false;
        for (JsonNode piece : node.path("single")) {
            if (piece.has("Sequence")) {
                seenSequence = true;
                continue;
            }
            String id = piece.path("SpecialToken").path("id").asString(null);
            JsonNode special = node.path("special_tokens").path(id == null ? "" : id);
            if (id == null || !special.path("ids").isArray()) {
                throw new TokenizerException(file + ": post_processor TemplateProcessing names special token '" + id
                        + "' in 'single' but 'special_tokens' has no ids for it");
            }
            List<Integer> side = seenSequence ? suffix : prefix;
            special.path("ids").forEach(i -> side.add(i.asInt()));
        }
        if (!seenSequence) {
            throw new TokenizerException(file + ": post_processor TemplateProcessing 'single' has no $A sequence");
        }
        return new PostProcessor(prefix, suffix);
    }

    /** Bert/Roberta {@code cls}/{@code sep}: {@code ["[CLS]", 101]}. */
    private static int pairId(JsonNode pair, Path file, String field) {
        if (!pair.isArray() || pair.size() != 2 || !pair.get(1).isNumber()) {
            throw new TokenizerException(file + ": post_processor field " + field + " must be [token, id]");
        }
        return pair.get(1).asInt();
    }
}
