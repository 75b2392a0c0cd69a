package io.tuneforge.trainer.training.optim;

import java.util.Locale;
import java.util.OptionalDouble;
import java.util.regex.Pattern;

/**
 * Per-parameter learning-rate scale and weight decay, decided from the parameter's name, as the Hugging Face Trainer
 * builds its optimizer groups and LLaMA-Factory builds LoRA+'s:
 * <ul>
 *   <li>weight decay applies to every parameter except biases and normalisation weights (Hugging Face's
 *       {@code get_decay_parameter_names}: names matching {@code bias}, {@code layernorm}, {@code rmsnorm},
 *       {@code .norm.} or {@code _norm});</li>
 *   <li>with LoRA+ ({@code loraplus_lr_ratio}), LoRA's B matrices (and any 1-D parameter) learn at
 *       {@code learning_rate × ratio}; A matrices and everything else at {@code learning_rate}
 *       (LLaMA-Factory's {@code _create_loraplus_optimizer}). The schedule then scales every group alike.</li>
 * </ul>
 *
 * @param weightDecay   {@code weight_decay} of the decayed parameters
 * @param loraPlusRatio {@code loraplus_lr_ratio}; empty without LoRA+
 */
public record ParameterGroups(double weightDecay, OptionalDouble loraPlusRatio) {

    private static final Pattern NO_DECAY = Pattern.compile("bias|layernorm|rmsnorm|(?:^|\\.)norm(?:$|\\.)|_norm(?:$|\\.)");

    public ParameterGroups {
        if (!(weightDecay >= 0)) {
            throw new IllegalArgumentException("weight_decay must be >= 0, got " + weightDecay);
        }
        if (loraPlusRatio.isPresent() && !(loraPlusRatio.getAsDouble() > 0)) {
            throw new IllegalArgumentException("loraplus_lr_ratio must be > 0, got " + loraPlusRatio.getAsDouble());
        }
    }

    /** Hugging Face's groups without LoRA+. */
    public static ParameterGroups huggingFace(double weightDecay) {
        return new ParameterGroups(weightDecay, OptionalDouble.empty());
    }

    /**
     * The settings of one parameter.
     *
     * @param learningRateScale factor on the scheduled learning rate
     * @param weightDecay       this parameter's weight decay
     */
    public record Settings(double learningRateScale, double weightDecay) {
    }

    /** The settings of the parameter with this name and rank (number of dimensions). */
    public Settings settings(String name, int rank) {
        double decay = decays(name) ? weightDecay : 0.0;
        boolean fasterGroup = loraPlusRatio.isPresent() && (name.contains("lora_B") || rank == 1);
        return new Settings(fasterGroup ? loraPlusRatio.getAsDouble() : 1.0, decay);
    }

    /** Whether weight decay applies to the parameter with this name. */
    public static boolean decays(String name) {
        return !NO_DECAY.matcher(name.toLowerCase(Locale.ROOT)).find();
    }
}
