package io.tuneforge.trainer.data.preparation;

import io.tuneforge.trainer.data.Example;
import io.tuneforge.trainer.template.ChatMessage;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;

/** Prepares validated examples for training: normalise, deduplicate, cap, split, mix (see {@link PreparationOptions}). */
public final class DatasetPreparation {

    private DatasetPreparation() {
    }

    public static PreparedDataset prepare(List<Example> examples, PreparationOptions options) {
        List<Example> rows = new ArrayList<>(examples.size());
        int emptied = 0;
        for (Example example : examples) {
            Optional<Example> cleaned = options.normalizeText() ? normalize(example) : Optional.of(example);
            if (cleaned.isEmpty()) {
                emptied++;
            } else {
                rows.add(cleaned.get());
            }
        }
        int beforeDedupe = rows.size();
        if (options.removeDuplicates()) {
            rows = new ArrayList<>(new LinkedHashSet<>(rows));
        }
        int duplicates = beforeDedupe - rows.size();
        int cut = 0;
        if (options.maxSamples().isPresent() && rows.size() > options.maxSamples().get()) {
            cut = rows.size() - options.maxSamples().get();
            rows = new ArrayList<>(rows.subList(0, options.maxSamples().get()));
        }
        Random random = new Random(options.seed());
        Collections.shuffle(rows, random);
        int validationRows = rows.isEmpty() ? 0 : options.valSize().rowsFor(rows.size());
        List<Example> validation = new ArrayList<>(rows.subList(0, validationRows));
        List<Example> train = new ArrayList<>(rows.subList(validationRows, rows.size()));
        int general = 0;
        if (options.mixing().isPresent()) {
            Mixing mixing = options.mixing().get();
            general = mixing.rowsFor(train.size());
            List<Example> pool = new ArrayList<>(mixing.general());
            Collections.shuffle(pool, random);
            train.addAll(pool.subList(0, general));
            Collections.shuffle(train, random);
        }
        return new PreparedDataset(train, validation, examples.size(), emptied, duplicates, cut, general);
    }

    /** The example with every message normalised; empty when a message that must have text ends up empty. */
    static Optional<Example> normalize(Example example) {
        List<ChatMessage> messages = new ArrayList<>(example.messages().size());
        for (ChatMessage m : example.messages()) {
            ChatMessage cleaned = normalize(m);
            if (cleaned.content().isEmpty() && !m.content().isEmpty() && !m.extra().containsKey("tool_calls")) {
                return Optional.empty();
            }
            messages.add(cleaned);
        }
        Optional<ChatMessage> chosen = example.chosen().map(DatasetPreparation::normalize);
        Optional<ChatMessage> rejected = example.rejected().map(DatasetPreparation::normalize);
        if (chosen.map(c -> c.content().isEmpty()).orElse(false)
                || rejected.map(c -> c.content().isEmpty()).orElse(false)) {
            return Optional.empty();
        }
        return Optional.of(example.withMessages(messages, chosen, rejected));
    }

    private static ChatMessage normalize(ChatMessage message) {
        return new ChatMessage(message.role(), TextNormalizer.normalize(message.content()), message.extra());
    }

    /** Distinct examples only (exposed for callers that deduplicate without the rest of preparation). */
    public static List<Example> distinct(List<Example> examples) {
        Set<Example> set = new LinkedHashSet<>(examples);
        return List.copyOf(set);
    }
}
