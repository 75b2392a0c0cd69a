package io.tuneforge.core.job;

/**
 * Pre-flight estimate of what one device needs for a job, and how long it takes.
 *
 * @param weightsBytes     frozen and trainable weights as loaded for training (float32)
 * @param trainableParams  parameters the optimizer updates (LoRA matrices, or all / unfrozen layers)
 * @param gradientBytes    gradients of the trainable parameters
 * @param optimizerBytes   AdamW moments (two per trainable parameter)
 * @param activationBytes  activations kept for backward at the configured batch and cutoff length
 * @param referenceBytes   the frozen reference model of stage dpo with full or freeze tuning (a second copy of the
 *                         weights); 0 for LoRA (the reference is the base with its adapters off), for orpo and simpo
 *                         (no reference) and for other stages
 * @param overheadBytes    runtime overhead (allocator slack, CUDA context)
 * @param totalBytes       the sum: memory one device must have
 * @param trainingTokens   tokens processed over all epochs (upper bound: rows × cutoff length)
 * @param phases           rough wall time of each phase on the expected device class
 * @param rewardModelBytes stage ppo: the reward model scoring the answers (DD037): its base model loaded beside the
 *                         policy plus its adapter and value head, or the complete full-tuned model; 0 for other stages
 */
public record ResourceEstimate(long weightsBytes, long trainableParams, long gradientBytes, long optimizerBytes,
        long activationBytes, long referenceBytes, long overheadBytes, long totalBytes, long trainingTokens, PhaseSeconds phases,
        long rewardModelBytes) {

    /** An estimate without a reward model (every stage but ppo). */
    public ResourceEstimate(long weightsBytes, long trainableParams, long gradientBytes, long optimizerBytes,
            long activationBytes, long referenceBytes, long overheadBytes, long totalBytes, long trainingTokens,
            PhaseSeconds phases) {
        this(weightsBytes, trainableParams, gradientBytes, optimizerBytes, activationBytes, referenceBytes,
                overheadBytes, totalBytes, trainingTokens, phases, 0);
    }

    /** Rough wall time of the whole job: every phase, training to GGUF export. */
    public long estimatedSeconds() {
        return phases.total();
    }
}
