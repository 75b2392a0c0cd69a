package io.tuneforge.trainer.training.preference;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * LLaMA-Factory's {@code pref_loss} choices (its {@code CustomDPOTrainer}, TRL's {@code dpo_loss} for the first three).
 * With {@code π} the policy's and {@code ref} the reference model's log-probabilities of a response and
 * {@code z = (π_c − π_r) − (ref_c − ref_r)}:
 * <ul>
 *   <li>{@link #SIGMOID} (DPO): {@code −(1−ε)·log σ(β z) − ε·log σ(−β z)}, ε = {@code dpo_label_smoothing}</li>
 *   <li>{@link #HINGE} (SLiC): {@code relu(1 − β z)}</li>
 *   <li>{@link #IPO}: {@code (z − 1/(2β))²} on length-averaged log-probabilities</li>
 *   <li>{@link #ORPO}: {@code −π_c + β·(−log σ(log odds_c − log odds_r))}, {@code log odds = π − log(1 − e^π)},
 *       length-averaged, no reference</li>
 *   <li>{@link #SIMPO}: {@code −log σ(β·((π_c − π_r) − γ/β))}, γ = {@code simpo_gamma}, length-averaged, no
 *       reference</li>
 * </ul>
 */
public enum PreferenceLoss {
    SIGMOID,
    HINGE,
    IPO,
    ORPO,
    SIMPO;

    /** The recipe spelling ({@code sigmoid}). */
    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The loss named by {@code pref_loss}. */
    public static PreferenceLoss fromConfigName(String name) {
        return Arrays.stream(values()).filter(v -> v.configName().equals(name.strip().toLowerCase(Locale.ROOT)))
                .findFirst().orElseThrow(() -> new IllegalArgumentException("pref_loss '" + name + "' is not one of "
                        + names()));
    }

    /** Every spelling, in order. */
    public static List<String> names() {
        return Arrays.stream(values()).map(PreferenceLoss::configName).toList();
    }

    /** Whether the loss compares with a reference model (LLaMA-Factory's {@code use_ref_model}). */
    public boolean usesReference() {
        return this != ORPO && this != SIMPO;
    }

    /** Whether log-probabilities are divided by the response length (LLaMA-Factory: ipo, orpo, simpo). */
    public boolean averagesOverTokens() {
        return this == IPO || this == ORPO || this == SIMPO;
    }
}
