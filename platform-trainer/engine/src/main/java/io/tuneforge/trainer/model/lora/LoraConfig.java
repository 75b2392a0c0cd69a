package io.tuneforge.trainer.model.lora;

import io.tuneforge.shared.recipe.RecipeMethod;
import io.tuneforge.trainer.model.HfWeightNames;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * LoRA hyper-parameters (PEFT's {@code LoraConfig} names).
 *
 * @param rank          r: inner dimension of B·A
 * @param alpha         lora_alpha: the update is scaled by alpha/r (alpha/√r with rsLoRA)
 * @param dropout       lora_dropout: dropout on the adapter's input during training
 * @param targetModules PEFT's target_modules: linear module names or dotted suffixes of module paths that get an
 *                      adapter, e.g. {@code [q_proj, mlp.down_proj]}, or one regular expression matched against the
 *                      whole module path ({@link #isPattern()}, PEFT's {@code str} form)
 * @param useRslora     rank-stabilised scaling alpha/√r
 * @param useDora       DoRA (weight-decomposed LoRA): a trained magnitude per output feature rescales the
 *                      direction W + s·B·A ({@code use_dora})
 * @param initLoraWeights PEFT's {@code init_lora_weights}: "true" (A Kaiming-uniform, B zero), or PiSSA's "pissa"
 *                      (full SVD) / "pissa_niter_N" (N fast-SVD iterations): the adapter starts as W's principal part
 *                      and the base keeps the residual ({@link Pissa})
 * @param modulesToSave PEFT's {@code modules_to_save} ({@code additional_target}): modules outside the decoder
 *                      layers that train whole and are saved with the adapter: embed_tokens, lm_head, norm
 */
public record LoraConfig(int rank, double alpha, double dropout, List<String> targetModules, boolean useRslora,
                         boolean useDora, String initLoraWeights, List<String> modulesToSave) {

    /** LoRA with an initialisation and no modules trained whole. */
    public LoraConfig(int rank, double alpha, double dropout, List<String> targetModules, boolean useRslora,
                      boolean useDora, String initLoraWeights) {
        this(rank, alpha, dropout, targetModules, useRslora, useDora, initLoraWeights, List.of());
    }

    /** PEFT's default initialisation (B zero). */
    public static final String DEFAULT_INIT = "true";

    /** Plain LoRA (no DoRA). */
    public LoraConfig(int rank, double alpha, double dropout, List<String> targetModules, boolean useRslora) {
        this(rank, alpha, dropout, targetModules, useRslora, false);
    }

    /** LoRA or DoRA with PEFT's default initialisation. */
    public LoraConfig(int rank, double alpha, double dropout, List<String> targetModules, boolean useRslora,
                      boolean useDora) {
        this(rank, alpha, dropout, targetModules, useRslora, useDora, DEFAULT_INIT);
    }

    public LoraConfig {
        modulesToSave = List.copyOf(modulesToSave);
        for (String m : modulesToSave) {
            if (!RecipeMethod.ADDITIONAL_TARGETS.contains(m)) {
                throw new IllegalArgumentException("modules_to_save '" + m + "' is not supported; TuneForge trains "
                        + String.join(", ", RecipeMethod.ADDITIONAL_TARGETS) + " whole");
            }
        }
        initLoraWeights = initLoraWeights == null ? DEFAULT_INIT : initLoraWeights.strip().toLowerCase(Locale.ROOT);
        if (!initLoraWeights.equals(DEFAULT_INIT)) {
            Pissa.iterations(initLoraWeights);                                  // fails clearly on other values
        }
        if (rank <= 0) {
            throw new IllegalArgumentException("LoRA rank must be positive, got " + rank);
        }
        if (dropout < 0 || dropout >= 1) {
            throw new IllegalArgumentException("lora_dropout must be in [0, 1), got " + dropout);
        }
        targetModules = List.copyOf(targetModules);
        if (targetModules.isEmpty()) {
            throw new IllegalArgumentException("LoRA needs at least one target module");
        }
        if (targetModules.size() == 1 && RecipeMethod.isTargetPattern(targetModules.getFirst())) {
            try {
                Pattern.compile(targetModules.getFirst());
            } catch (PatternSyntaxException e) {
                throw new IllegalArgumentException("LoRA target pattern '" + targetModules.getFirst()
                        + "' is not a valid regular expression: " + e.getDescription());
            }
        } else {
            for (String m : targetModules) {
                if (!HfWeightNames.KNOWN_LINEAR_MODULES.contains(moduleName(m))) {
                    throw new IllegalArgumentException("LoRA target module '" + m + "' is unknown; choose from "
                            + String.join(",", HfWeightNames.KNOWN_LINEAR_MODULES) + " (or a dotted suffix ending in "
                            + "one), 'all', or one regular expression");
                }
            }
        }
    }

    /** The module name a list entry ends in: {@code down_proj} for {@code mlp.down_proj}. */
    public static String moduleName(String entry) {
        return entry.substring(entry.lastIndexOf('.') + 1);
    }

    /** Whether the targets are one regular expression (PEFT's {@code str} target_modules) rather than a list. */
    public boolean isPattern() {
        return targetModules.size() == 1 && RecipeMethod.isTargetPattern(targetModules.getFirst());
    }

    /** Whether PEFT would adapt the module at this path ({@code check_target_module_exists}). */
    public boolean targets(String modulePath) {
        return RecipeMethod.targetMatches(targetModules, modulePath);
    }

    /** This config with other target modules (a family's own names for "all"). */
    public LoraConfig withTargetModules(List<String> modules) {
        return new LoraConfig(rank, alpha, dropout, modules, useRslora, useDora, initLoraWeights, modulesToSave);
    }

    /** Whether the adapter is initialised by PiSSA (the base then holds the residual). */
    public boolean isPissa() {
        return !initLoraWeights.equals(DEFAULT_INIT);
    }

    /** This config with another {@code init_lora_weights}. */
    public LoraConfig withInitLoraWeights(String init) {
        return new LoraConfig(rank, alpha, dropout, targetModules, useRslora, useDora, init, modulesToSave);
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
        if (RecipeMethod.isTargetPattern(text)) {
            return List.of(text.strip());
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
