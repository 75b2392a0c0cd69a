package io.tuneforge.trainer.data.preparation;

import io.tuneforge.shared.dataset.DatasetException;
import io.tuneforge.trainer.data.Example;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

/**
 * Several datasets combined into one training run, each used {@code ratio} times per epoch.
 *
 * <p>Order: each dataset is normalised, deduplicated and capped at {@code max_samples} on its own (as LLaMA-Factory
 * applies {@code max_samples} per dataset); the datasets are then concatenated and go through
 * {@link DatasetPreparation} once (cross-dataset duplicates removed, seeded shuffle, one train/validation split over
 * the whole mix, so {@code val_size} is for the run, not per dataset). Only then is each dataset's share of the
 * training split weighted by its ratio: 1 keeps every row once, 0.5 keeps a seeded half of its rows, 2 uses every row
 * twice, 1.5 every row once plus a seeded half again. Weighting after the split keeps repeated rows out of validation
 * and from being removed as duplicates. Validation rows are never weighted. With one dataset of ratio 1 the result is
 * exactly {@link DatasetPreparation#prepare}'s.
 *
 * <p>{@link Mixing} is a different thing (a share in [0, 1) of general data added to a task's training split) and
 * is passed through unchanged in the options.
 */
public final class DatasetMix {

    private DatasetMix() {
    }

    /**
     * One dataset of the mix.
     *
     * @param name     the dataset's name, for messages and per-dataset counts
     * @param examples its validated rows
     * @param ratio    how many times its training rows are used per epoch relative to its size, above 0
     */
    public record Part(String name, List<Example> examples, double ratio) {

        public Part {
            examples = List.copyOf(examples);
            if (!(ratio > 0) || Double.isInfinite(ratio)) {
                throw new DatasetException("mixing ratio " + ratio + " of dataset " + name
                        + " must be a finite number above 0");
            }
        }
    }

    /**
     * How many rows one dataset contributes.
     *
     * @param name       the dataset's name
     * @param train      its rows in the training split after weighting by its ratio
     * @param validation its rows in the validation split
     */
    public record PartRows(String name, int train, int validation) {
    }

    /**
     * The combined, split and weighted rows.
     *
     * @param train      training rows of every dataset, weighted by their ratios and shuffled (seeded), plus any
     *                   general rows of {@link Mixing} once
     * @param validation validation rows of every dataset, unweighted
     * @param rows       per dataset, in the order of the parts
     */
    public record Mixed(List<Example> train, List<Example> validation, List<PartRows> rows) {

        public Mixed {
            train = List.copyOf(train);
            validation = List.copyOf(validation);
            rows = List.copyOf(rows);
        }
    }

    public static Mixed prepare(List<Part> parts, PreparationOptions options) {
        if (parts.isEmpty()) {
            throw new DatasetException("a job needs at least one dataset");
        }
        Map<Example, Integer> origin = new HashMap<>();
        List<Example> combined = new ArrayList<>();
        for (int i = 0; i < parts.size(); i++) {
            for (Example row : ownRows(parts.get(i).examples(), options)) {
                if (origin.putIfAbsent(row, i) == null) {
                    combined.add(row);
                }
            }
        }
        PreparedDataset prepared = DatasetPreparation.prepare(combined, new PreparationOptions(false, false,
                Optional.empty(), options.valSize(), options.seed(), options.mixing()));
        List<List<Example>> trainOf = byPart(prepared.train(), origin, parts.size());
        List<List<Example>> validationOf = byPart(prepared.validation(), origin, parts.size());
        boolean weighted = parts.stream().anyMatch(p -> p.ratio() != 1);
        if (!weighted) {
            return new Mixed(prepared.train(), prepared.validation(), counts(parts, trainOf, validationOf));
        }
        Random random = new Random(options.seed());
        List<Example> train = new ArrayList<>(prepared.train().stream().filter(r -> !origin.containsKey(r)).toList());
        List<List<Example>> weightedOf = new ArrayList<>();
        for (int i = 0; i < parts.size(); i++) {
            List<Example> rows = weight(trainOf.get(i), parts.get(i).ratio(), random);
            weightedOf.add(rows);
            train.addAll(rows);
        }
        Collections.shuffle(train, random);
        return new Mixed(train, prepared.validation(), counts(parts, weightedOf, validationOf));
    }

    /** One dataset's rows normalised, deduplicated and capped, as {@link DatasetPreparation} does for one dataset. */
    private static List<Example> ownRows(List<Example> examples, PreparationOptions options) {
        List<Example> rows = new ArrayList<>(examples.size());
        for (Example example : examples) {
            (options.normalizeText() ? DatasetPreparation.normalize(example) : Optional.of(example))
                    .ifPresent(rows::add);
        }
        List<Example> distinct = options.removeDuplicates() ? new ArrayList<>(new LinkedHashSet<>(rows)) : rows;
        return options.maxSamples().filter(max -> distinct.size() > max).map(max -> distinct.subList(0, max))
                .orElse(distinct);
    }

    /**
     * {@code rows} used {@code ratio} times: every row {@code floor(ratio)} times, plus a seeded sample without
     * replacement of {@code round(fraction * size)} rows for the fractional part.
     */
    static List<Example> weight(List<Example> rows, double ratio, Random random) {
        int whole = (int) Math.floor(ratio);
        List<Example> out = new ArrayList<>();
        for (int copy = 0; copy < whole; copy++) {
            out.addAll(rows);
        }
        int extra = (int) Math.round((ratio - whole) * rows.size());
        if (extra > 0) {
            List<Example> pool = new ArrayList<>(rows);
            Collections.shuffle(pool, random);
            out.addAll(pool.subList(0, extra));
        }
        return out;
    }

    private static List<List<Example>> byPart(List<Example> rows, Map<Example, Integer> origin, int parts) {
        List<List<Example>> of = new ArrayList<>();
        for (int i = 0; i < parts; i++) {
            of.add(new ArrayList<>());
        }
        for (Example row : rows) {
            Integer part = origin.get(row); // general rows of Mixing belong to no part
            if (part != null) {
                of.get(part).add(row);
            }
        }
        return of;
    }

    private static List<PartRows> counts(List<Part> parts, List<List<Example>> train, List<List<Example>> validation) {
        List<PartRows> rows = new ArrayList<>();
        for (int i = 0; i < parts.size(); i++) {
            rows.add(new PartRows(parts.get(i).name(), train.get(i).size(), validation.get(i).size()));
        }
        return rows;
    }
}
