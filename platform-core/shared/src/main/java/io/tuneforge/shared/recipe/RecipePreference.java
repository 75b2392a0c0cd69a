package io.tuneforge.shared.recipe;

import java.util.List;
import java.util.Optional;

/**
 * Preference training's settings (stages dpo and kto), with LLaMA-Factory's names and defaults; other stages ignore
 * them. Stage kto reads {@code pref_beta}, {@code pref_ftx} and the two KTO weights.
 *
 * @param beta           {@code pref_beta}: β, how far the policy may move from the reference (implicit reward scale)
 * @param ftx            {@code pref_ftx}: weight of an added supervised term on the chosen answer (0: none)
 * @param loss           {@code pref_loss}: sigmoid (DPO), hinge, ipo, orpo or simpo
 * @param simpoGamma     {@code simpo_gamma}: SimPO's target reward margin γ
 * @param labelSmoothing {@code dpo_label_smoothing}: cDPO's ε for noisy preferences, sigmoid loss only
 * @param ktoChosenWeight   {@code kto_chosen_weight}: stage kto's weight of a desirable example's loss
 * @param ktoRejectedWeight {@code kto_rejected_weight}: stage kto's weight of an undesirable example's loss
 * @param ppo               stage ppo's settings
 */
public record RecipePreference(double beta, double ftx, String loss, double simpoGamma, double labelSmoothing,
        double ktoChosenWeight, double ktoRejectedWeight, Ppo ppo) {

    /** DPO settings with KTO's and PPO's defaults. */
    public RecipePreference(double beta, double ftx, String loss, double simpoGamma, double labelSmoothing) {
        this(beta, ftx, loss, simpoGamma, labelSmoothing, 1.0, 1.0, new Ppo(Optional.empty(), 4, 1, 6.0, false,
                false));
    }

    /**
     * Stage ppo's settings (LLaMA-Factory's names and defaults).
     *
     * @param rewardModel   {@code reward_model}: a finished reward-model run (stage rm): in the platform the job (its
     *                      id or name, stored as the id), for {@code train --config} its output folder with
     *                      {@code value_head.safetensors}
     * @param epochs        {@code ppo_epochs}: optimisation passes over each batch of rollouts
     * @param bufferSize    {@code ppo_buffer_size}: mini-batches of rollouts per PPO step
     * @param target        {@code ppo_target}: target KL of the adaptive KL penalty
     * @param scoreNorm     {@code ppo_score_norm}: normalise the reward model's scores
     * @param whitenRewards {@code ppo_whiten_rewards}: whiten the per-token rewards before GAE
     */
    public record Ppo(Optional<String> rewardModel, int epochs, int bufferSize, double target, boolean scoreNorm,
            boolean whitenRewards) {
    }

    /** LLaMA-Factory's {@code pref_loss} values TuneForge trains. */
    public static final List<String> LOSSES = List.of("sigmoid", "hinge", "ipo", "orpo", "simpo");

    static final RecipeField PREF_BETA = RecipeField.decimal("pref_beta", Section.PREFERENCE, 0.1,
            Range.aboveUpTo(0, 1_000_000), "Preference beta",
            "β of the preference loss: higher keeps the model closer to the reference.");
    static final RecipeField PREF_FTX = RecipeField.decimal("pref_ftx", Section.PREFERENCE, 0.0,
            Range.between(0, 1_000_000), "SFT term weight",
            "Adds this weight × the supervised loss on the chosen answer (0: none).");
    static final RecipeField PREF_LOSS = RecipeField.choice("pref_loss", Section.PREFERENCE, "sigmoid", LOSSES,
            "Preference loss", "sigmoid (DPO), hinge, ipo; orpo and simpo need no reference model.");
    static final RecipeField SIMPO_GAMMA = RecipeField.decimal("simpo_gamma", Section.PREFERENCE, 0.5,
            Range.between(-1_000_000, 1_000_000), "SimPO gamma", "SimPO's target reward margin (pref_loss simpo).");
    static final RecipeField DPO_LABEL_SMOOTHING = RecipeField.decimal("dpo_label_smoothing", Section.PREFERENCE,
            0.0, Range.between(0, 0.5), "Label smoothing",
            "cDPO's share of preferences assumed flipped, 0 to 0.5 (pref_loss sigmoid only).");

    static final RecipeField KTO_CHOSEN_WEIGHT = RecipeField.decimal("kto_chosen_weight", Section.PREFERENCE, 1.0,
            Range.aboveUpTo(0, 1_000_000), "KTO desirable weight",
            "Stage kto: weight of the loss of a desirable example (kto_tag true).");
    static final RecipeField KTO_REJECTED_WEIGHT = RecipeField.decimal("kto_rejected_weight", Section.PREFERENCE,
            1.0, Range.aboveUpTo(0, 1_000_000), "KTO undesirable weight",
            "Stage kto: weight of the loss of an undesirable example (kto_tag false).");

    static final RecipeField REWARD_MODEL = RecipeField.text("reward_model", Section.PREFERENCE, null,
            "Reward model", "Stage ppo: a finished reward-model job (stage rm) with the policy's tokenizer: its id "
                    + "or name (train --config: its output folder).");
    static final RecipeField PPO_EPOCHS = RecipeField.integer("ppo_epochs", Section.PREFERENCE, 4L,
            Range.between(1, 1000), "PPO epochs", "Stage ppo: optimisation passes over each batch of rollouts.");
    static final RecipeField PPO_BUFFER_SIZE = RecipeField.integer("ppo_buffer_size", Section.PREFERENCE, 1L,
            Range.between(1, 1000), "PPO buffer size",
            "Stage ppo: mini-batches (batch size × gradient accumulation rollouts each) per PPO step.");
    static final RecipeField PPO_TARGET = RecipeField.decimal("ppo_target", Section.PREFERENCE, 6.0,
            Range.aboveUpTo(0, 1_000_000), "PPO KL target", "Stage ppo: target KL of the adaptive KL penalty.");
    static final RecipeField PPO_SCORE_NORM = RecipeField.bool("ppo_score_norm", Section.PREFERENCE, false,
            "Normalise scores", "Stage ppo: normalise the reward model's scores by their running mean and std.");
    static final RecipeField PPO_WHITEN_REWARDS = RecipeField.bool("ppo_whiten_rewards", Section.PREFERENCE, false,
            "Whiten rewards", "Stage ppo: whiten the per-token rewards before computing advantages.");

    static final List<RecipeField> FIELDS = List.of(PREF_BETA, PREF_FTX, PREF_LOSS, SIMPO_GAMMA,
            DPO_LABEL_SMOOTHING, KTO_CHOSEN_WEIGHT, KTO_REJECTED_WEIGHT, REWARD_MODEL, PPO_EPOCHS, PPO_BUFFER_SIZE,
            PPO_TARGET, PPO_SCORE_NORM, PPO_WHITEN_REWARDS);

    static RecipePreference from(RecipeValues v) {
        RecipePreference preference = new RecipePreference(v.decimal(PREF_BETA), v.decimal(PREF_FTX),
                v.text(PREF_LOSS), v.decimal(SIMPO_GAMMA), v.decimal(DPO_LABEL_SMOOTHING),
                v.decimal(KTO_CHOSEN_WEIGHT), v.decimal(KTO_REJECTED_WEIGHT),
                new Ppo(v.optionalText(REWARD_MODEL), (int) v.integer(PPO_EPOCHS), (int) v.integer(PPO_BUFFER_SIZE),
                        v.decimal(PPO_TARGET), v.bool(PPO_SCORE_NORM), v.bool(PPO_WHITEN_REWARDS)));
        if (preference.labelSmoothing() > 1e-6 && !preference.loss().equals("sigmoid")) {
            throw DPO_LABEL_SMOOTHING.refused(preference.labelSmoothing(), v.source(),
                    "0 with pref_loss " + preference.loss() + " (label smoothing applies to the sigmoid loss only)");
        }
        return preference;
    }
}
