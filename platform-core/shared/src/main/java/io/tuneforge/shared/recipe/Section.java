package io.tuneforge.shared.recipe;

/** The concern a recipe key belongs to; the New job form shows one section per value, in this order. */
public enum Section {
    /** Which model and adapter to start from. */
    MODEL("Model"),
    /** Stage and fine-tuning type: LoRA, freeze or full. */
    METHOD("Method"),
    /** LoRA's adapter settings (shown for finetuning_type lora). */
    LORA("LoRA"),
    /** Freeze tuning's trainable part (shown for finetuning_type freeze). */
    FREEZE("Freeze"),
    /** Prefix tuning's virtual tokens (shown for finetuning_type prefix). */
    PREFIX("Prefix tuning"),
    /** Bottleneck adapters' shape (shown for finetuning_type adapter). */
    ADAPTER("Bottleneck adapters"),
    /** OFT's block rotations (shown for finetuning_type oft). */
    OFT("OFT"),
    /** Preference training's loss and its settings (stage dpo). */
    PREFERENCE("Preference training (stages dpo and kto)"),
    /** Datasets, chat template, lengths and the validation split. */
    DATA("Data and template"),
    /** Learning rate, schedule, batch and steps. */
    OPTIMIZATION("Training"),
    /** Validation loss and early stopping. */
    EVALUATION("Evaluation"),
    /** Logging, checkpoints and what a finished job stores. */
    OUTPUTS("Outputs");

    private final String title;

    Section(String title) {
        this.title = title;
    }

    /** The section's heading in the form. */
    public String title() {
        return title;
    }
}
