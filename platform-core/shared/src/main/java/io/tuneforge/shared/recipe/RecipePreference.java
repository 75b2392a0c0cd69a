package io.tuneforge.shared.recipe;

import java.util.List;

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
 */
public record RecipePreference(double beta, double ftx, String loss, double simpoGamma, double labelSmoothing,
        double ktoChosenWeight, double ktoRejectedWeight) {

    /** DPO settings with KTO's default weights (1.0 each). */
    public RecipePreference(double beta, double ftx, String loss, double simpoGamma, double labelSmoothing) {
        this(beta, ftx, loss, simpoGamma, labelSmoothing, 1.0, 1.0);
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

    static final List<RecipeField> FIELDS = List.of(PREF_BETA, PREF_FTX, PREF_LOSS, SIMPO_GAMMA,
            DPO_LABEL_SMOOTHING, KTO_CHOSEN_WEIGHT, KTO_REJECTED_WEIGHT);

    static RecipePreference from(RecipeValues v) {
        RecipePreference preference = new RecipePreference(v.decimal(PREF_BETA), v.decimal(PREF_FTX),
                v.text(PREF_LOSS), v.decimal(SIMPO_GAMMA), v.decimal(DPO_LABEL_SMOOTHING),
                v.decimal(KTO_CHOSEN_WEIGHT), v.decimal(KTO_REJECTED_WEIGHT));
        if (preference.labelSmoothing() > 1e-6 && !preference.loss().equals("sigmoid")) {
            throw DPO_LABEL_SMOOTHING.refused(preference.labelSmoothing(), v.source(),
                    "0 with pref_loss " + preference.loss() + " (label smoothing applies to the sigmoid loss only)");
        }
        return preference;
    }
}
