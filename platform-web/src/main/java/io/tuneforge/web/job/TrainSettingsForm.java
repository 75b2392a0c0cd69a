package io.tuneforge.web.job;

import com.vaadin.flow.component.Composite;
import com.vaadin.flow.component.HasValue;
import com.vaadin.flow.component.checkbox.Checkbox;
import com.vaadin.flow.component.details.Details;
import com.vaadin.flow.component.formlayout.FormLayout;
import com.vaadin.flow.component.html.Div;
import com.vaadin.flow.component.select.Select;
import com.vaadin.flow.component.textfield.TextField;
import io.tuneforge.core.job.FineTuningMethod;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The {@code train} settings of a new job, built from {@link TrainSetting#ALL}, with inline validation. */
class TrainSettingsForm extends Composite<Div> {

    private final Map<String, HasValue<?, ?>> fields = new LinkedHashMap<>();
    private final Map<TrainSetting.Group, Details> sections = new EnumMap<>(TrainSetting.Group.class);

    TrainSettingsForm() {
        section(TrainSetting.Group.LORA, "LoRA", true);
        section(TrainSetting.Group.FREEZE, "Freeze", true);
        section(TrainSetting.Group.TRAINING, "Training", true);
        section(TrainSetting.Group.DATA, "Data and template", true);
        section(TrainSetting.Group.OUTPUTS, "Outputs", true);
        for (TrainSetting setting : TrainSetting.ALL) {
            ((FormLayout) sections.get(setting.group()).getContent().findFirst().orElseThrow()).add(field(setting));
        }
    }

    private void section(TrainSetting.Group group, String title, boolean opened) {
        FormLayout form = new FormLayout();
        form.setResponsiveSteps(new FormLayout.ResponsiveStep("0", 1), new FormLayout.ResponsiveStep("40em", 3));
        Details details = new Details(title, form);
        details.setOpened(opened);
        details.setWidthFull();
        sections.put(group, details);
        getContent().add(details);
    }

    private com.vaadin.flow.component.Component field(TrainSetting setting) {
        com.vaadin.flow.component.Component component = switch (setting.kind()) {
            case BOOLEAN -> {
                Checkbox box = new Checkbox(setting.label(), Boolean.parseBoolean(setting.defaultValue()));
                box.setTooltipText(setting.help());
                yield box;
            }
            case CHOICE -> {
                Select<String> select = new Select<>();
                select.setLabel(setting.label());
                select.setItems(setting.choices());
                select.setValue(setting.defaultValue());
                select.setHelperText(setting.help());
                yield select;
            }
            default -> {
                TextField text = new TextField(setting.label());
                text.setValue(setting.defaultValue());
                text.setHelperText(setting.help());
                text.addValueChangeListener(e -> check(setting, text));
                yield text;
            }
        };
        component.setId("setting-" + setting.key());
        fields.put(setting.key(), (HasValue<?, ?>) component);
        return component;
    }

    /** Shows the sections of the chosen method. */
    void showMethod(FineTuningMethod method) {
        sections.get(TrainSetting.Group.LORA).setVisible(method == FineTuningMethod.LORA);
        sections.get(TrainSetting.Group.FREEZE).setVisible(method == FineTuningMethod.FREEZE);
    }

    /** The field of a key (for tests and for the sweep, which overrides some keys). */
    HasValue<?, ?> field(String key) {
        return fields.get(key);
    }

    /**
     * The entered settings for the method (blank fields left out), or empty when a field is invalid (each invalid
     * field then shows its message).
     */
    Optional<Map<String, Object>> read(FineTuningMethod method) {
        Map<String, Object> values = new LinkedHashMap<>();
        boolean valid = true;
        for (TrainSetting setting : TrainSetting.ALL) {
            if (!applies(setting, method)) {
                continue;
            }
            HasValue<?, ?> field = fields.get(setting.key());
            if (field instanceof Checkbox box) {
                values.put(setting.key(), box.getValue());
                continue;
            }
            String text = String.valueOf(field.getValue() == null ? "" : field.getValue());
            if (text.isBlank()) {
                continue;
            }
            try {
                values.put(setting.key(), setting.parse(text));
            } catch (IllegalArgumentException e) {
                valid = false;
                if (field instanceof TextField textField) {
                    check(setting, textField);
                }
            }
        }
        return valid ? Optional.of(values) : Optional.empty();
    }

    /** Fills fields from config values; returns the keys this form does not have. */
    List<String> apply(Map<String, ?> values) {
        List<String> unknown = new ArrayList<>();
        values.forEach((key, value) -> {
            HasValue<?, ?> field = fields.get(key);
            if (field == null) {
                unknown.add(key);
            } else if (field instanceof Checkbox box) {
                box.setValue(Boolean.parseBoolean(String.valueOf(value)));
            } else if (field instanceof Select<?> select) {
                @SuppressWarnings("unchecked")
                Select<String> choices = (Select<String>) select;
                choices.setValue(String.valueOf(value));
            } else if (field instanceof TextField text) {
                text.setValue(value == null ? "" : String.valueOf(value));
            }
        });
        return unknown;
    }

    private static boolean applies(TrainSetting setting, FineTuningMethod method) {
        return switch (setting.group()) {
            case LORA -> method == FineTuningMethod.LORA;
            case FREEZE -> method == FineTuningMethod.FREEZE;
            default -> true;
        };
    }

    private static void check(TrainSetting setting, TextField field) {
        if (field.getValue().isBlank()) {
            field.setInvalid(false);
            return;
        }
        try {
            setting.parse(field.getValue());
            field.setInvalid(false);
        } catch (IllegalArgumentException e) {
            field.setErrorMessage(e.getMessage());
            field.setInvalid(true);
        }
    }
}
