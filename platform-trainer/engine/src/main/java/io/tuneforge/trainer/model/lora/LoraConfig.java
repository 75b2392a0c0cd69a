package io.tuneforge.trainer.model.lora;

import io.tuneforge.trainer.model.HfWeightNames;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;

/**
 * LoRA hyper-parameters (PEFT's {@code LoraConfig} names).
 *
 * @param rank          r: inner dimension of B·A
 * @param alpha         lora_alpha: the update is scaled by alpha/r (alpha/√r with rsLoRA)
 * @param dropout       lora_dropout: dropout on the adapter's input during training
 * @param targetModules linear module names that get an adapter, e.g. {@code [q_proj, v_proj]}
 * @param useRslora     rank-stabilised scaling alpha/√r
 * @param useDora       DoRA (weight-decomposed LoRA): a trained magnitude per output feature rescales the
 *                      direction W + s·B·A ({@code use_dora})
 */
public record LoraConfig(int rank, double alpha, double dropout, List<String> targetModules, boolean useRslora,
                         boolean useDora) {

    /** Plain LoRA (no DoRA). */
    public LoraConfig(int rank, double alpha, double dropout, List<String> targetModules, boolean useRslora) {
        this(rank, alpha, dropout, targetModules, useRslora, false);
    }

    public LoraConfig {
        if (rank <= 0) {
            throw new IllegalArgumentException("LoRA rank must be positive, got " + rank);
        }
        if (dropout < 0 || dropout >= 1) {
            throw new IllegalArgumentException("lora_dropout must be in [0, 1), got " + dropout);
        }
        targetModules = List.copyOf(targetModules);
        for (String m : targetModules) {
            if (!HfWeightNames.KNOWN_LINEAR_MODULES.contains(m)) {
                throw new IllegalArgumentException("LoRA target module '" + m + "' is unknown; choose from "
                        + String.join(",", HfWeightNames.KNOWN_LINEAR_MODULES) + " or 'all'");
            }
        }
        if (targetModules.isEmpty()) {
            throw new IllegalArgumentException("LoRA needs at least one target module");
        }
    }

    /** This config with other target modules (a family's own names for "all"). */
    public LoraConfig withTargetModules(List<String> modules) {
        return new LoraConfig(rank, alpha, dropout, modules, useRslora);
    }

    /** The scale of B·A: alpha/r, or alpha/√r with rsLoRA. */
    public double scaling() {
        return scaling(alpha, rank, useRslora);
    }

    /** PEFT's scale of B·A, for training and merging alike: alpha/r, or alpha/√r with rsLoRA. */
    public static double scaling(double alpha, int rank, boolean useRslora) {
        return useRslora ? alpha / Math.sqrt(rank) : alpha / rank;
    }

    /**
     * Parses a target list as users write it: {@code q_proj,v_proj}, {@code all} or {@code all-linear} (every
     * linear), blank meaning all (LLaMA-Factory's default).
     */
    public static List<String> parseTargets(String text) {
        if (text == null || text.isBlank()) {
            return HfWeightNames.LINEAR_MODULES;
        }
        String t = text.trim().toLowerCase(Locale.ROOT);
        if (t.equals("all") || t.equals("all-linear") || t.equals("all_linear")) {
            return HfWeightNames.LINEAR_MODULES;
        }
        LinkedHashSet<String> modules = new LinkedHashSet<>();
        for (String part : t.split("[,\\s]+")) {
            if (!part.isBlank()) {
                modules.add(part);
            }
        }
        return new ArrayList<>(modules);
    }
}
