package io.tuneforge.trainer.model.prefix;

/**
 * Prefix tuning's settings (Li and Liang, 2021), with PEFT's {@code PrefixTuningConfig} names.
 *
 * @param numVirtualTokens  num_virtual_tokens: P, the trained key/value positions every layer prepends
 * @param prefixProjection  prefix_projection: train the prefix through PEFT's reparameterisation MLP
 *                          {@code Linear(token_dim, E) → tanh → Linear(E, 2·L·token_dim)} over a (P, token_dim)
 *                          embedding instead of the (P, 2·L·token_dim) prefix itself
 * @param encoderHiddenSize encoder_hidden_size: E, the MLP's hidden width (used with prefixProjection); 0: the
 *                          model's token_dim, as PEFT defaults it
 */
public record PrefixConfig(int numVirtualTokens, boolean prefixProjection, int encoderHiddenSize) {

    public PrefixConfig {
        if (numVirtualTokens <= 0) {
            throw new IllegalArgumentException("num_virtual_tokens must be positive, got " + numVirtualTokens);
        }
        if (encoderHiddenSize < 0) {
            throw new IllegalArgumentException("encoder_hidden_size must be positive, got " + encoderHiddenSize);
        }
    }

    /** E for a model's prefix sizes: encoder_hidden_size, or token_dim when it is 0. */
    public int encoderHiddenSize(PrefixShape shape) {
        return encoderHiddenSize == 0 ? shape.tokenDim() : encoderHiddenSize;
    }
}
