package io.tuneforge.trainer.model;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;

import java.util.ArrayList;
import java.util.List;

/**
 * Gradient checkpointing of the decoder stack (what {@code torch.utils.checkpoint} does per layer in Hugging Face
 * models; DJL has no equivalent, so the backward pass is driven here):
 * <pre>
 *   forward, autograd off:   x₀ → block₀ → x₁ → … → x_L      only the block inputs x₀..x_{L-1} are kept
 *   x_L as a leaf that requires grad → final norm → loss      the caller's collector records this part
 *   backward(loss)                                             gives ∂loss/∂x_L
 *   for i = L-1 … 0: re-run block i on a leaf copy of xᵢ with autograd on, backward(block output, ∂loss/∂x_{i+1})
 *                    gives the block's weight gradients and ∂loss/∂xᵢ; the block's graph is freed at once
 *   backward(x₀ as embedded, ∂loss/∂x₀) when the embedding trains
 * </pre>
 * A block's activations therefore live only while that block is forwarded or recomputed: memory holds the L block
 * inputs (B, T, C) instead of every intermediate of every block, for one more forward of each block in compute.
 * The recomputation runs the same ops on the same inputs, so weight gradients equal those of a plain backward up to
 * the order in which autograd adds the residual's two gradient paths.
 *
 * <p>LoRA dropout draws from libtorch's generator; when it is active each block's forward and its recomputation are
 * seeded with the same value (drawn once per forward), so both see the same mask, as {@code torch.utils.checkpoint}
 * achieves by saving the RNG state.
 */
final class CheckpointedBlocks {

    /** One checkpointed forward waiting for its backward; {@code embedded} is null when the embedding is frozen. */
    private record Pending(NDManager step, NDArray embedded, List<NDArray> inputs, NDArray output,
                           RotaryEmbedding rope, NDArray mask, long seed) {
    }

    private final List<DecoderBlock> blocks;
    private final List<Pending> pending = new ArrayList<>();

    CheckpointedBlocks(List<DecoderBlock> blocks) {
        this.blocks = blocks;
    }

    /**
     * The decoder stack in training mode keeping only block inputs.
     *
     * @param step     the micro-batch's manager (the block inputs live in it until the backward)
     * @param embedded (B, T, C) embedded tokens, as recorded by autograd (the embedding may train)
     * @param mask     additive attention mask (T, T) in {@code step}
     * @param dropout  whether the blocks draw random numbers (LoRA dropout)
     * @param embeddingTrains whether autograd recorded the embedding (its gradient then continues into it)
     * @return (B, T, C) the stack's output: a leaf that requires grad, in {@code step}
     */
    NDArray forward(NDManager step, NDArray embedded, RotaryEmbedding rope, NDArray mask, boolean dropout,
                    boolean embeddingTrains) {
        pending.removeIf(p -> !p.step().isOpen());                     // forwards whose backward never came
        long seed = dropout ? drawSeed(step) : 0;
        List<NDArray> inputs = new ArrayList<>(blocks.size());
        NDArray x = embedded.stopGradient();                                                 // (B, T, C)
        x.attach(step);
        try (GradMode off = GradMode.disabled()) {
            for (DecoderBlock block : blocks) {
                inputs.add(x);
                x = blockForward(step, block, x, rope, mask, dropout, seed);                 // (B, T, C)
            }
        }
        x.setRequiresGradient(true);
        pending.add(new Pending(step, embeddingTrains ? embedded : null, inputs, x, rope, mask, dropout ? seed : Long.MIN_VALUE));
        return x;
    }

    /**
     * {@code collector.backward(loss)}, then the backward of every checkpointed forward whose output the loss used.
     */
    void backward(GradientCollector collector, NDArray loss) {
        collector.backward(loss);
        List<Pending> todo = List.copyOf(pending);
        pending.clear();
        for (int i = todo.size() - 1; i >= 0; i--) {
            backward(todo.get(i));
        }
    }

    private void backward(Pending p) {
        if (!p.step().isOpen()) {
            return;
        }
        NDArray grad = p.output().getGradient();                                             // (B, T, C)
        if (grad == null || grad.isEmpty()) {
            return;                                                                          // the loss did not use it
        }
        grad.attach(p.step());
        boolean dropout = p.seed() != Long.MIN_VALUE;
        for (int i = blocks.size() - 1; i >= 0; i--) {
            NDArray input = p.inputs().get(i);
            try (NDManager block = p.step().newSubManager()) {
                NDArray leaf = input.stopGradient();                                         // (B, T, C)
                leaf.attach(block);
                leaf.setRequiresGradient(true);
                NDArray out = blockForwardIn(block, blocks.get(i), leaf, p.rope(), p.mask(), dropout, p.seed());
                JniUtils.backward((PtNDArray) out, (PtNDArray) grad, false, false);
                NDArray inputGrad = leaf.getGradient();                                      // (B, T, C)
                inputGrad.attach(p.step());
                grad.close();
                grad = inputGrad;
            }
            input.close();
        }
        if (p.embedded() != null) {
            JniUtils.backward((PtNDArray) p.embedded(), (PtNDArray) grad, false, false);
        }
        grad.close();
    }

    /**
     * Block forward whose intermediates are freed on return: only the output stays, in {@code step}. The input is
     * lent to the block's own manager for the call, because ops take the manager of their first operand.
     */
    private static NDArray blockForward(NDManager step, DecoderBlock block, NDArray x, RotaryEmbedding rope,
                                        NDArray mask, boolean dropout, long seed) {
        try (NDManager scope = step.newSubManager()) {
            x.attach(scope);
            NDArray out = blockForwardIn(scope, block, x, rope, mask, dropout, seed);       // (B, T, C)
            out.attach(step);
            x.attach(step);
            if (block.mlp() instanceof SparseMoe moe) {
                // the expert metrics and the auxiliary loss's value read this forward's router logits (N, E) after
                // the stack; without autograd here, they carry no gradient (Trainer refuses a coefficient then)
                moe.lastRouting().logits().attach(step);
            }
            return out;
        }
    }

    private static NDArray blockForwardIn(NDManager scope, DecoderBlock block, NDArray x, RotaryEmbedding rope,
                                          NDArray mask, boolean dropout, long seed) {
        if (dropout) {
            Engine.getInstance().setRandomSeed((int) (seed + block.index()));
        }
        return block.forward(scope, x, rope, mask, null, 0, true);                           // (B, T, C)
    }

    /** A seed for the blocks' dropout, drawn from libtorch's generator (itself seeded per step by the trainer). */
    private static long drawSeed(NDManager step) {
        try (NDArray r = step.randomInteger(0, Integer.MAX_VALUE / 2, new Shape(), DataType.INT64)) {
            return r.getLong();
        }
    }
}
