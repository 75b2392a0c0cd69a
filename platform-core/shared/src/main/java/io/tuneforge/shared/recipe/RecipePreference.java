package io.tuneforge.shared.recipe;

import java.util.List;

/**
 * Preference training's settings (stage dpo), with LLaMA-Factory's names and defaults; other stages ignore them.
 *
 * @param beta           {@code pref_beta}: β, how far the policy may move from the reference (implicit reward scale)
 * @param ftx            {@code pref_ftx}: weight of an added supervised term on the chosen answer (0: none)
 * @param loss           {@code pref_loss}: sigmoid (DPO), hinge, ipo, orpo or simpo
 * @param simpoGamma     {@code simpo_gamma}: SimPO's target reward margin γ
 * @param labelSmoothing {@code dpo_label_smoothing}: cDPO's ε for noisy preferences, sigmoid loss only
 */
public record RecipePreference(double beta, double ftx, String loss, double simpoGamma, double labelSmoothing) {

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

    static final List<RecipeField> FIELDS = List.of(PREF_BETA, PREF_FTX, PREF_LOSS, SIMPO_GAMMA,
            DPO_LABEL_SMOOTHING);

    static RecipePreference from(RecipeValues v) {
        RecipePreference preference = new RecipePreference(v.decimal(PREF_BETA), v.decimal(PREF_FTX),
                v.text(PREF_LOSS), v.decimal(SIMPO_GAMMA), v.decimal(DPO_LABEL_SMOOTHING));
        if (preference.labelSmoothing() > 1e-6 && !preference.loss().equals("sigmoid")) {
            throw DPO_LABEL_SMOOTHING.refused(preference.labelSmoothing(), v.source(),
                    "0 with pref_loss " + preference.loss() + " (label smoothing applies to the sigmoid loss only)");
        }
        return preference;
    }
}
