package io.tuneforge.core.job;

/**
 * Names of the {@code training_metrics} series the UI plots, the keys of LLaMA-Factory's {@code trainer_log.jsonl}.
 * Workers record each logging step under these names.
 */
public final class MetricNames {

    /** Mean training loss per target token since the previous log. */
    public static final String LOSS = "loss";
    /** Validation loss. */
    public static final String EVAL_LOSS = "eval_loss";
    /** Learning rate of the last step. */
    public static final String LEARNING_RATE = "lr";
    /** Global gradient norm before clipping. */
    public static final String GRAD_NORM = "grad_norm";
    /** Input tokens per second since the previous log. */
    public static final String THROUGHPUT = "throughput";
    /** Fractional epoch reached. */
    public static final String EPOCH = "epoch";

    /** Stage dpo / rm (TRL's names): mean implicit reward of the chosen answers, β·(log π − log π_ref). */
    public static final String REWARDS_CHOSEN = "rewards/chosen";
    /** Stage dpo / rm: mean implicit reward of the rejected answers. */
    public static final String REWARDS_REJECTED = "rewards/rejected";
    /** Stage dpo / rm: share of pairs whose chosen reward is above the rejected one. */
    public static final String REWARDS_ACCURACIES = "rewards/accuracies";
    /** Stage dpo / rm: mean chosen minus rejected reward. */
    public static final String REWARDS_MARGINS = "rewards/margins";
    /** Stage dpo: mean summed log-probability of the chosen answers under the policy. */
    public static final String LOGPS_CHOSEN = "logps/chosen";
    /** Stage dpo: mean summed log-probability of the rejected answers under the policy. */
    public static final String LOGPS_REJECTED = "logps/rejected";

    /** Stage ppo: mean reward-model score of the step's rollouts (before normalisation). */
    public static final String PPO_MEAN_SCORES = "ppo/mean_scores";
    /** Stage ppo (and kto): KL to the reference, for ppo the mean over rollouts of the summed log-ratio. */
    public static final String KL = "kl";

    /** Prefix of the held-out comparison scores recorded at the final step, see {@link #predict(String, String)}. */
    public static final String PREDICT_PREFIX = "predict_";

    private MetricNames() {
    }

    /**
     * The name of a held-out generation score of one model, recorded once at the final step, e.g.
     * {@code predict_bleu_4_base}, {@code predict_rouge_l_tuned}.
     *
     * @param score {@code bleu_4}, {@code rouge_1}, {@code rouge_2} or {@code rouge_l}
     * @param model {@code base} or {@code tuned}
     */
    public static String predict(String score, String model) {
        return PREDICT_PREFIX + score + "_" + model;
    }
}
