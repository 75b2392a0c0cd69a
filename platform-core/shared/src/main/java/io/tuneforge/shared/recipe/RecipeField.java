package io.tuneforge.shared.recipe;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * One key of the job recipe: its LLaMA-Factory name, type, default, allowed values and help. The table of every key
 * is {@link RecipeKeys#FIELDS}; each section record ({@link RecipeOptimization}, ...) declares its own fields.
 *
 * @param key          the LLaMA-Factory / Hugging Face key, e.g. {@code learning_rate}
 * @param section      the concern it belongs to (and the form section showing it)
 * @param kind         the value type
 * @param defaultValue the value used when the key is absent (LLaMA-Factory's own default); empty: unset, with
 *                     the meaning the help text gives (e.g. max_steps unset: train by epochs)
 * @param range        allowed interval of a DECIMAL or INTEGER
 * @param choices      allowed values of a CHOICE, in display order
 * @param label        the form's label
 * @param help         one or two sentences shown under the field and in the API documentation
 * @param formValue    what the New job form pre-fills when it differs from the default (a visible choice, e.g. the
 *                     8:2 validation split); empty: the default
 * @param pathKey      true for keys about server paths (model_name_or_path, output_dir, overwrite_output_dir,
 *                     ...): YAML only; the platform sets them for REST and form jobs
 */
public record RecipeField(String key, Section section, Kind kind, Optional<Object> defaultValue, Range range,
        List<String> choices, String label, String help, Optional<String> formValue, boolean pathKey) {

    /** Value types, with the Java type a parsed value has. */
    public enum Kind {
        /** A finite {@link Double}. */
        DECIMAL,
        /** A whole {@link Long} (64-bit: large values are checked, never wrapped). */
        INTEGER,
        /** A {@link Boolean}. */
        BOOLEAN,
        /** One {@link String} of {@link #choices()}. */
        CHOICE,
        /** Free {@link String}, checked by the section that uses it. */
        TEXT
    }

    public RecipeField {
        choices = List.copyOf(choices);
    }

    static RecipeField decimal(String key, Section section, Double defaultValue, Range range, String label,
            String help) {
        return new RecipeField(key, section, Kind.DECIMAL, Optional.ofNullable(defaultValue), range, List.of(), label,
                help, Optional.empty(), false);
    }

    static RecipeField integer(String key, Section section, Long defaultValue, Range range, String label,
            String help) {
        return new RecipeField(key, section, Kind.INTEGER, Optional.ofNullable(defaultValue), range, List.of(), label,
                help, Optional.empty(), false);
    }

    static RecipeField bool(String key, Section section, boolean defaultValue, String label, String help) {
        return new RecipeField(key, section, Kind.BOOLEAN, Optional.of(defaultValue), Range.ANY, List.of(), label, help,
                Optional.empty(), false);
    }

    static RecipeField choice(String key, Section section, String defaultValue, List<String> choices, String label,
            String help) {
        return new RecipeField(key, section, Kind.CHOICE, Optional.of(defaultValue), Range.ANY, choices, label, help,
                Optional.empty(), false);
    }

    static RecipeField text(String key, Section section, String defaultValue, String label, String help) {
        return new RecipeField(key, section, Kind.TEXT, Optional.ofNullable(defaultValue), Range.ANY, List.of(), label,
                help, Optional.empty(), false);
    }

    static RecipeField path(String key, Section section, String label, String help) {
        return new RecipeField(key, section, Kind.TEXT, Optional.empty(), Range.ANY, List.of(), label, help,
                Optional.empty(), true);
    }

    /** The same field with the form pre-filling {@code value} instead of the default. */
    RecipeField formPrefill(String value) {
        return new RecipeField(key, section, kind, defaultValue, range, choices, label, help, Optional.of(value),
                pathKey);
    }

    /** The same field, YAML only (the platform decides it for its own jobs). */
    RecipeField yamlOnly() {
        return new RecipeField(key, section, kind, defaultValue, range, choices, label, help, formValue, true);
    }

    /** What the form shows before the user types: {@link #formValue()}, else the default as text, else "". */
    public String initialFormText() {
        return formValue.orElseGet(() -> defaultValue.map(RecipeField::textOf).orElse(""));
    }

    /** What the key accepts, in words ("a number above 0 and at most 10", "one of cosine, linear"). */
    public String allowed() {
        return switch (kind) {
            case DECIMAL -> range.describe(false);
            case INTEGER -> range.describe(true);
            case BOOLEAN -> "true or false";
            case CHOICE -> "one of " + String.join(", ", choices);
            case TEXT -> "text";
        };
    }

    /**
     * Parses a value as YAML, JSON or the form give it: numbers as numbers or text ({@code "5e-5"}: YAML 1.1 reads
     * exponents without a dot as strings), booleans as booleans or "true"/"false".
     *
     * @return the typed value ({@link Kind} says which Java type), or empty for null / blank (= unset)
     * @throws RecipeException naming the key, the value and what is allowed
     */
    public Optional<Object> parse(Object raw, RecipeSource source) {
        if (raw == null || (raw instanceof String s && s.isBlank())) {
            return Optional.empty();
        }
        return Optional.of(switch (kind) {
            case DECIMAL -> checked(raw, source, decimalOf(raw, source));
            case INTEGER -> checked(raw, source, integerOf(raw, source));
            case BOOLEAN -> booleanOf(raw, source);
            case CHOICE -> choiceOf(raw, source);
            case TEXT -> textOf(raw, source);
        });
    }

    private double decimalOf(Object raw, RecipeSource source) {
        if (raw instanceof Boolean) {
            throw refused(raw, source);
        }
        try {
            double value = raw instanceof Number n ? n.doubleValue() : Double.parseDouble(raw.toString().strip());
            if (!Double.isFinite(value)) {
                throw refused(raw, source);
            }
            return value;
        } catch (NumberFormatException e) {
            throw refused(raw, source);
        }
    }

    private long integerOf(Object raw, RecipeSource source) {
        if (raw instanceof Long || raw instanceof Integer || raw instanceof Short || raw instanceof Byte) {
            return ((Number) raw).longValue();
        }
        if (raw instanceof Boolean) {
            throw refused(raw, source);
        }
        try {
            BigDecimal exact = raw instanceof BigInteger big ? new BigDecimal(big)
                    : raw instanceof BigDecimal dec ? dec
                    : raw instanceof Number n ? new BigDecimal(Double.toString(n.doubleValue()))
                    : new BigDecimal(raw.toString().strip());
            return exact.longValueExact(); // refuses fractions and values beyond 64 bits instead of wrapping
        } catch (NumberFormatException | ArithmeticException e) {
            throw refused(raw, source);
        }
    }

    private <T extends Number> T checked(Object raw, RecipeSource source, T value) {
        if (!range.contains(value.doubleValue())) {
            throw refused(raw, source);
        }
        return value;
    }

    private Boolean booleanOf(Object raw, RecipeSource source) {
        if (raw instanceof Boolean b) {
            return b;
        }
        return switch (raw.toString().strip().toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw refused(raw, source);
        };
    }

    private String choiceOf(Object raw, RecipeSource source) {
        String wanted = raw.toString().strip();
        return choices.stream().filter(c -> c.equalsIgnoreCase(wanted)).findFirst()
                .orElseThrow(() -> refused(raw, source));
    }

    private String textOf(Object raw, RecipeSource source) {
        if (JSON_OBJECT_KEYS.contains(key)) {
            return jsonObjectText(raw, source);
        }
        if (raw instanceof java.util.Map || raw instanceof java.util.Collection) {
            throw refused(raw, source);
        }
        return raw.toString().strip();
    }

    /**
     * TEXT keys whose value is a JSON object (Hugging Face's dict arguments): YAML gives them as a mapping, REST and
     * the form as JSON text; either way the value becomes compact JSON text, so every entry point stores the same.
     */
    private static final java.util.Set<String> JSON_OBJECT_KEYS = java.util.Set.of("lr_scheduler_kwargs");

    private static final tools.jackson.databind.json.JsonMapper JSON =
            tools.jackson.databind.json.JsonMapper.builder().build();

    private String jsonObjectText(Object raw, RecipeSource source) {
        String rule = "a JSON object, e.g. {\"num_cycles\": 3}";
        try {
            tools.jackson.databind.JsonNode node = raw instanceof java.util.Map<?, ?> map ? JSON.valueToTree(map)
                    : JSON.readTree(raw.toString().strip());
            if (node == null || !node.isObject()) {
                throw refused(raw, source, rule);
            }
            return JSON.writeValueAsString(node);
        } catch (tools.jackson.core.JacksonException e) {
            throw refused(raw, source, rule);
        }
    }

    /** A refusal naming this key, the value and what is allowed. */
    RecipeException refused(Object raw, RecipeSource source) {
        return refused(raw, source, allowed());
    }

    /** A refusal with a specific rule instead of the generic allowed text. */
    RecipeException refused(Object raw, RecipeSource source, String rule) {
        return new RecipeException(key, raw, rule, key + " in " + source.place() + ": " + quoted(raw)
                + " is not allowed; use " + rule);
    }

    /** A typed value as the form shows it, read back by {@link #parse} as the same value (5e-5 as "5.0e-5"). */
    public static String textOf(Object value) {
        return value instanceof Double d ? Double.toString(d).toLowerCase(Locale.ROOT) : String.valueOf(value);
    }

    private static String quoted(Object raw) {
        return raw instanceof String s ? "'" + s + "'" : String.valueOf(raw);
    }
}
