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
 * @param addBos     whether encoding a text for the model starts with BOS ({@code add_bos_token}; when absent, true
 *                   if the model has a BOS token, as the Llama 3 tokenizer's post-processor does)
 * @param eosToken   the end-of-sequence token text of {@code tokenizer_config.json}
 * @param eosIds     every id that ends generation: the tokenizer's EOS plus all ids in generation/model config
 * @param padId      the padding id ({@code pad_token}, else the first EOS), for right-padded batches
 */
public record SpecialTokens(Optional<String> bosToken, OptionalInt bosId, boolean addBos, Optional<String> eosToken,
                            List<Integer> eosIds, OptionalInt padId) {

    public SpecialTokens {
        eosIds = List.copyOf(eosIds);
    }

    /** True if {@code id} ends generation. */
    public boolean isEos(int id) {
        return eosIds.contains(id);
    }
}
