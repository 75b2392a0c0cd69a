package io.tuneforge.shared.recipe;

import java.util.List;
import java.util.Optional;

/**
 * The settings of the two adapter methods that are not LoRA: prefix tuning ({@code finetuning_type: prefix}, PEFT's
 * {@code PrefixTuningConfig} names) and bottleneck adapters ({@code finetuning_type: adapter}, AdapterHub's names
 * with an {@code adapter_} prefix). LLaMA-Factory has neither.
 */
public final class RecipeAdapterMethods {

    private RecipeAdapterMethods() {
    }

    /** Bottleneck placements: after attention and the MLP (houlsby), after the MLP only (pfeiffer). */
    public static final List<String> PLACEMENTS = List.of("houlsby", "pfeiffer");

    /** The bottleneck's activations. */
    public static final List<String> NON_LINEARITIES = List.of("relu", "gelu", "swish", "tanh");

    static final RecipeField NUM_VIRTUAL_TOKENS = RecipeField.integer("num_virtual_tokens", Section.PREFIX, 20L,
            Range.between(1, 4096), "Virtual tokens",
            "Prefix tuning: trained key/value positions every layer attends to before the text (PEFT's "
                    + "num_virtual_tokens).");
    static final RecipeField PREFIX_PROJECTION = RecipeField.bool("prefix_projection", Section.PREFIX, false,
            "Reparameterise through an MLP", "Train the prefix through a two-layer MLP (PEFT's prefix_projection; "
                    + "steadier training, more parameters); the saved adapter holds the MLP's output.");
    static final RecipeField ENCODER_HIDDEN_SIZE = RecipeField.integer("encoder_hidden_size", Section.PREFIX, null,
            Range.between(1, 1_000_000), "MLP hidden size",
            "Hidden width of the prefix MLP (with prefix_projection). Blank: the model's key/value width, as PEFT.");
    static final RecipeField ADAPTER_REDUCTION_FACTOR = RecipeField.decimal("adapter_reduction_factor",
            Section.ADAPTER, 16.0, Range.between(1, 1_000_000), "Reduction factor",
            "Bottleneck adapters: hidden size ÷ this = the bottleneck width (16 is AdapterHub's default).");
    static final RecipeField ADAPTER_PLACEMENT = RecipeField.choice("adapter_placement", Section.ADAPTER, "pfeiffer",
            PLACEMENTS, "Placement", "houlsby: an adapter after attention and one after the MLP in every layer; "
                    + "pfeiffer: after the MLP only (half the parameters).");
    static final RecipeField ADAPTER_NON_LINEARITY = RecipeField.choice("adapter_non_linearity", Section.ADAPTER,
            "relu", NON_LINEARITIES, "Non-linearity", "Activation inside the bottleneck: relu, gelu, swish or tanh.");

    static final List<RecipeField> FIELDS = List.of(NUM_VIRTUAL_TOKENS, PREFIX_PROJECTION, ENCODER_HIDDEN_SIZE,
            ADAPTER_REDUCTION_FACTOR, ADAPTER_PLACEMENT, ADAPTER_NON_LINEARITY);

    /**
     * Prefix tuning's settings.
     *
     * @param numVirtualTokens  {@code num_virtual_tokens}: trained key/value positions per layer
     * @param prefixProjection  {@code prefix_projection}: train through PEFT's reparameterisation MLP
     * @param encoderHiddenSize {@code encoder_hidden_size}: the MLP's hidden width; empty: the model's key/value
     *                          width (PEFT's token_dim)
     */
    public record Prefix(int numVirtualTokens, boolean prefixProjection, Optional<Long> encoderHiddenSize) {
    }

    /**
     * Bottleneck adapters' settings.
     *
     * @param reductionFactor {@code adapter_reduction_factor}: hidden size ÷ this = bottleneck width
     * @param placement       {@code adapter_placement}: houlsby or pfeiffer
     * @param nonLinearity    {@code adapter_non_linearity}: relu, gelu, swish or tanh
     */
    public record Adapter(double reductionFactor, String placement, String nonLinearity) {
    }

    static Prefix prefix(RecipeValues v) {
        return new Prefix((int) v.integer(NUM_VIRTUAL_TOKENS), v.bool(PREFIX_PROJECTION),
                v.optionalInteger(ENCODER_HIDDEN_SIZE));
    }

    static Adapter adapter(RecipeValues v) {
        return new Adapter(v.decimal(ADAPTER_REDUCTION_FACTOR), v.text(ADAPTER_PLACEMENT),
                v.text(ADAPTER_NON_LINEARITY));
    }
}
