package io.tuneforge.trainer.tokenizer;

import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The special tokens a model uses, resolved from {@code tokenizer_config.json}, {@code generation_config.json} and
 * {@code config.json}.
 *
 * @param bosToken   the beginning-of-sequence token text, if the model has one
 * @param bosId      its id
 * @param template   the special ids transformers' {@code encode} puts around a text: those of the
 *                   {@code post_processor} of {@code tokenizer.json}, whatever {@code add_bos_token} says (DD022)
 * @param eosToken   the end-of-sequence token text of {@code tokenizer_config.json}
 * @param eosIds     every id that ends generation: the tokenizer's EOS plus all ids in generation/model config
 * @param padId      the padding id ({@code pad_token}, else the first EOS), for right-padded batches
 */
public record SpecialTokens(Optional<String> bosToken, OptionalInt bosId, PostProcessor template, Optional<String> eosToken,
                            List<Integer> eosIds, OptionalInt padId) {

    public SpecialTokens {
        eosIds = List.copyOf(eosIds);
    }

    /** Whether encoding a text for the model starts with special ids (a BOS), as transformers' {@code encode} does. */
    public boolean addBos() {
        return !template.prefixIds().isEmpty();
    }

    /** True if {@code id} ends generation. */
    public boolean isEos(int id) {
        return eosIds.contains(id);
    }
}
