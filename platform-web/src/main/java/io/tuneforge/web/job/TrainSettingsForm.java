package io.tuneforge.web.job;

import com.vaadin.flow.component.Component;
import com.vaadin.flow.component.Composite;
import com.vaadin.flow.component.HasValue;
import com.vaadin.flow.component.checkbox.Checkbox;
import com.vaadin.flow.component.details.Details;
import com.vaadin.flow.component.formlayout.FormLayout;
import com.vaadin.flow.component.html.Div;
import com.vaadin.flow.component.select.Select;
import com.vaadin.flow.component.shared.HasValidationProperties;
import com.vaadin.flow.component.textfield.TextField;
import com.vaadin.flow.data.binder.Binder;
import com.vaadin.flow.data.binder.BindingValidationStatus;
import com.vaadin.flow.data.binder.Result;
import com.vaadin.flow.data.converter.Converter;
import io.tuneforge.shared.recipe.JobRecipe;
import io.tuneforge.shared.recipe.RecipeException;
import io.tuneforge.shared.recipe.RecipeField;
import io.tuneforge.shared.recipe.RecipeKeys;
import io.tuneforge.shared.recipe.RecipeMethod.FinetuningType;
import io.tuneforge.shared.recipe.RecipeSource;
import io.tuneforge.shared.recipe.Section;
import io.tuneforge.web.layout.Notifications;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The recipe settings of a new job, rendered from {@link RecipeKeys#FIELDS}: one section per {@link Section}, one
 * field per key (CHOICE a select, BOOLEAN a checkbox, numbers and text a text field pre-filled with
 * {@link RecipeField#initialFormText()}), labels, help and limits all from the recipe. A {@link Binder} over the
 * values by key parses every field with {@link RecipeField#parse} and shows the recipe's message on it; {@link #read}
 * then checks the whole recipe ({@link JobRecipe#read}) and shows a cross-field refusal on the field it names.
 *
 * <p>Not rendered: path keys (the model and dataset pickers and the job set them) and the method section: the view's
 * method and stage choices are {@code finetuning_type} and {@code stage} ({@link #showStage}: the preference section
 * shows for stage dpo only), and {@code do_train} has one allowed value.
 */
class TrainSettingsForm extends Composite<Div> {

    private final Binder<Map<String, Object>> binder = new Binder<>();
    private final Map<String, Binder.Binding<Map<String, Object>, Object>> bindings = new LinkedHashMap<>();
    private final Map<String, RecipeField> fieldsByKey = new LinkedHashMap<>();
    private final Map<Section, Details> sections = new EnumMap<>(Section.class);
    private FinetuningType method = FinetuningType.LORA;
    /** The chosen {@code stage} (sft, pt, rm, dpo, ...). */
    private String stage = "sft";
    /** The field showing a cross-field refusal of the last {@link #read}, cleared on the next change. */
    private Binder.Binding<Map<String, Object>, Object> crossFieldError;

    TrainSettingsForm() {
        for (RecipeField field : RecipeKeys.FIELDS) {
            if (rendered(field)) {
                fieldsByKey.put(field.key(), field);
                sectionOf(field.section()).add(component(field));
            }
        }
        binder.setBean(initialValues());
        binder.addValueChangeListener(e -> clearCrossFieldError());
        showMethod(method);
        showStage(stage);
    }

    /** Whether the form has a field for the key (see the class comment for the keys it leaves to others). */
    static boolean rendered(RecipeField field) {
        return !field.pathKey() && field.section() != Section.METHOD;
    }

    /** The recipe fields the form shows, in form order. */
    List<RecipeField> recipeFields() {
        return List.copyOf(fieldsByKey.values());
    }

    private FormLayout sectionOf(Section section) {
        Details details = sections.computeIfAbsent(section, s -> {
            FormLayout form = new FormLayout();
            form.setResponsiveSteps(new FormLayout.ResponsiveStep("0", 1), new FormLayout.ResponsiveStep("40em", 3));
            Details d = new Details(s.title(), form);
            d.setOpened(true);
            d.setWidthFull();
            getContent().add(d);
            return d;
        });
        return (FormLayout) details.getContent().findFirst().orElseThrow();
    }

    /** Words for the values of a choice where the recipe's spelling means little in a form. */
    private static final Map<String, Map<String, String>> CHOICE_NAMES = Map.of(
            "task_type", Map.of("causal_lm", "Generation (labels as text)", "seq_cls", "Classification (head)"));

    @SuppressWarnings("unchecked")
    private Component component(RecipeField field) {
        HasValue<?, ?> input = switch (field.kind()) {
            case BOOLEAN -> {
                Checkbox box = new Checkbox(field.label());
                box.setHelperText(field.help());
                bind(field, box, Converter.from(checked -> Result.ok(checked), value -> (Boolean) value));
                yield box;
            }
            case CHOICE -> {
                Select<String> select = new Select<>();
                select.setLabel(field.label());
                select.setItems(field.choices());
                Map<String, String> names = CHOICE_NAMES.getOrDefault(field.key(), Map.of());
                select.setItemLabelGenerator(choice -> names.getOrDefault(choice, choice));
                select.setHelperText(field.help());
                bind(field, select, Converter.from(choice -> parsed(field, choice), value -> (String) value));
                yield select;
            }
            case DECIMAL, INTEGER, TEXT -> {
                TextField text = new TextField(field.label());
                text.setHelperText(field.help());
                bind(field, text, Converter.from(typed -> parsed(field, typed),
                        value -> value == null ? "" : RecipeField.textOf(value)));
                yield text;
            }
        };
        Component component = (Component) input;
        component.setId("setting-" + field.key());
        return component;
    }

    private <P> void bind(RecipeField field, HasValue<?, P> input, Converter<P, Object> converter) {
        Binder.Binding<Map<String, Object>, Object> binding = binder.forField(input).withConverter(converter)
                .bind(values -> values.get(field.key()), (values, value) -> {
                    if (value == null) {
                        values.remove(field.key()); // blank: unset, the recipe's default applies
                    } else {
                        values.put(field.key(), value);
                    }
                });
        binding.setConvertBackToPresentation(false); // keep what the user typed ("1e-4" stays "1e-4")
        bindings.put(field.key(), binding);
    }

    /** The recipe's own parse of one field: its typed value, or its message on the field. */
    private static Result<Object> parsed(RecipeField field, Object raw) {
        try {
            return Result.ok(field.parse(raw, RecipeSource.FORM).orElse(null));
        } catch (RecipeException e) {
            return Result.error(e.getMessage());
        }
    }

    /** What the form shows before the user types: each field's pre-fill, typed by the recipe. */
    private Map<String, Object> initialValues() {
        Map<String, Object> values = new LinkedHashMap<>();
        fieldsByKey.values().forEach(field -> field.parse(field.initialFormText(), RecipeSource.FORM)
                .ifPresent(value -> values.put(field.key(), value)));
        return values;
    }

    /** Shows the sections of the chosen fine-tuning type (LoRA's for lora, freeze's for freeze). */
    void showMethod(FinetuningType type) {
        method = type;
        sections.get(Section.LORA).setVisible(type == FinetuningType.LORA);
        sections.get(Section.FREEZE).setVisible(type == FinetuningType.FREEZE);
        sections.get(Section.PREFIX).setVisible(type == FinetuningType.PREFIX);
        sections.get(Section.ADAPTER).setVisible(type == FinetuningType.ADAPTER);
        sections.get(Section.OFT).setVisible(type == FinetuningType.OFT);
        clearCrossFieldError();
    }

    /** Shows the settings of the chosen stage: the preference section (pref_loss, pref_beta, ppo_*, ...) for dpo and ppo. */
    void showStage(String chosen) {
        stage = chosen;
        sections.get(Section.PREFERENCE).setVisible(usesPreferenceSettings());
        clearCrossFieldError();
    }

    /** Whether a section's settings are shown (for tests). */
    boolean shows(Section section) {
        return sections.get(section).isVisible();
    }

    /** The chosen stage. */
    String stage() {
        return stage;
    }

    private boolean usesPreferenceSettings() {
        return stage.equals("dpo") || stage.equals("ppo");
    }

    private boolean applies(RecipeField field) {
        return switch (field.section()) {
            case LORA -> method == FinetuningType.LORA;
            case FREEZE -> method == FinetuningType.FREEZE;
            case PREFIX -> method == FinetuningType.PREFIX;
            case ADAPTER -> method == FinetuningType.ADAPTER;
            case PREFERENCE -> usesPreferenceSettings();
            case OFT -> method == FinetuningType.OFT;
            default -> true;
        };
    }

    /**
     * Hides a key's field that another control of the view stands for (stage ppo's reward-model picker sets
     * {@code reward_model}); its value is still read and sent (Binder skips hidden fields unless told otherwise).
     */
    void hideBehindPicker(String key) {
        Binder.Binding<Map<String, Object>, Object> binding = bindings.get(key);
        ((Component) binding.getField()).setVisible(false);
        binding.setIsAppliedPredicate(b -> true);
    }

    /** The input of a key (for tests, the sweep and the Datasets page's split link). */
    HasValue<?, ?> field(String key) {
        return bindings.get(key).getField();
    }

    /**
     * Types text into a text field (the Datasets page's split link; the field shows whether the recipe takes it), or
     * picks it in a choice that offers it.
     */
    @SuppressWarnings("unchecked")
    void setText(String key, String text) {
        if (field(key) instanceof TextField input) {
            input.setValue(text);
        } else if (field(key) instanceof Select<?> select && fieldsByKey.get(key).choices().contains(text)) {
            ((Select<String>) select).setValue(text); // a choice (the Evaluate page's template for rated prompts)
        }
    }

    /**
     * The recipe of the entered values, or empty when a value is refused: a field's own refusal shows on it, a
     * cross-field one (e.g. eval_steps without a validation split) on the field the recipe names. Blank fields and the
     * sections of other fine-tuning types and stages are left out; {@code finetuning_type} and {@code stage} are the
     * chosen method and stage.
     */
    Optional<JobRecipe> read() {
        clearCrossFieldError();
        boolean valid = true;
        for (RecipeField field : fieldsByKey.values()) {
            if (applies(field)) {
                BindingValidationStatus<Object> status = bindings.get(field.key()).validate();
                valid &= !status.isError();
            }
        }
        if (!valid) {
            return Optional.empty();
        }
        Map<String, Object> values = values();
        try {
            return Optional.of(JobRecipe.read(values, RecipeSource.FORM));
        } catch (RecipeException e) {
            showCrossFieldError(e);
            return Optional.empty();
        }
    }

    /** The valid entered values by key, typed by the recipe, for the chosen method (no check across fields). */
    private Map<String, Object> values() {
        Map<String, Object> values = new LinkedHashMap<>();
        values.put("stage", stage);
        values.put("finetuning_type", method.key());
        binder.getBean().forEach((key, value) -> {
            if (applies(fieldsByKey.get(key))) {
                values.put(key, value);
            }
        });
        return values;
    }

    private void showCrossFieldError(RecipeException e) {
        Binder.Binding<Map<String, Object>, Object> binding = bindings.get(e.key());
        if (binding == null || !(binding.getField() instanceof HasValidationProperties input)) {
            Notifications.error(e.getMessage()); // a key the form has no field for
            return;
        }
        input.setErrorMessage(e.getMessage());
        input.setInvalid(true);
        crossFieldError = binding;
    }

    private void clearCrossFieldError() {
        if (crossFieldError != null) {
            Binder.Binding<Map<String, Object>, Object> binding = crossFieldError;
            crossFieldError = null;
            binding.validate(); // back to the field's own status
        }
    }

    /**
     * Fills every field from a recipe (an imported YAML, a cloned job): its given values, the recipe's defaults for
     * the rest, so the form means what the recipe means (a key absent from a YAML is LLaMA-Factory's default).
     */
    void fill(JobRecipe recipe) {
        Map<String, Object> values = new LinkedHashMap<>();
        fieldsByKey.values().forEach(field -> {
            Object value = recipe.given().containsKey(field.key()) ? recipe.given().get(field.key())
                    : field.defaultValue().orElse(null);
            if (value != null) {
                values.put(field.key(), value);
            }
        });
        binder.setBean(values);
        binder.validate(); // clears the messages of values typed before
        showMethod(recipe.method().finetuningType());
        showStage(recipe.method().stage());
    }
}
