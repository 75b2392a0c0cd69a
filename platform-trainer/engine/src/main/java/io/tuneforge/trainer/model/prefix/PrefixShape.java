package io.tuneforge.trainer.model.prefix;

/**
 * The sizes of a model's prefix as PEFT derives them from the model config (its
 * {@code _prepare_prompt_learning_config}): with grouped-query attention the prefix holds the key/value heads only.
 *
 * @param layers  num_layers: decoder layers L
 * @param kvHeads num_attention_heads in PEFT's saved config: the model's key/value heads
 * @param headDim the attention head width hd
 */
public record PrefixShape(int layers, int kvHeads, int headDim) {

    /** PEFT's token_dim: KV·hd, the width of one layer's keys (or values) at one virtual token. */
    public int tokenDim() {
        return kvHeads * headDim;
    }

    /** The width of one virtual token's whole prefix: keys and values of every layer, 2·L·token_dim. */
    public long width() {
        return 2L * layers * tokenDim();
    }
}
