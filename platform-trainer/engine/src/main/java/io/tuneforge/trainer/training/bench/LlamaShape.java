package io.tuneforge.trainer.training.bench;

/**
 * The shape of a Llama model and of a LoRA training batch, with the model FLOPs one training step needs.
 *
 * @param hidden       hidden size C
 * @param layers       decoder layers L
 * @param heads        attention heads
 * @param kvHeads      key/value heads (grouped-query attention)
 * @param intermediate MLP intermediate size
 * @param vocab        vocabulary size V
 * @param sequence     tokens per sample T
 * @param batch        samples per step B
 * @param loraRank     LoRA rank r
 * @param loraModules  number of LoRA-adapted projections per layer (q and v: 2)
 */
public record LlamaShape(int hidden, int layers, int heads, int kvHeads, int intermediate, int vocab, int sequence,
                         int batch, int loraRank, int loraModules) {

    /** Weights of the linear layers of all decoder layers (q, k, v, o, gate, up, down). */
    public long decoderLinearWeights() {
        long headDim = hidden / heads;
        long attention = 2L * hidden * hidden + 2L * hidden * kvHeads * headDim;
        long mlp = 3L * hidden * intermediate;
        return layers * (attention + mlp);
    }

    /**
     * Model FLOPs of one LoRA training step: the forward pass (2 FLOPs per weight per token through every linear and
     * the LM head, plus {@code 4·T·C} per token per layer for attention scores and the weighted sum over the full,
     * unmasked sequence) and a backward pass of the same cost (gradients flow to the inputs of every frozen linear;
     * frozen weights get no gradient); the LoRA matrices' own FLOPs are below 1 % and left out.
     */
    public double loraStepFlops() {
        double tokens = (double) batch * sequence;
        double perTokenForward = 2.0 * (decoderLinearWeights() + (double) hidden * vocab)
                + 4.0 * sequence * hidden * layers;
        return 2.0 * perTokenForward * tokens;
    }
}
