package io.tuneforge.trainer.data.format;

import io.tuneforge.trainer.data.Example;

import java.util.List;
import java.util.Optional;

/**
 * What a format reader made of one record: the example, or the issues that prevent it.
 *
 * @param example the example when the record is valid
 * @param issues  every defect found (empty when valid)
 */
public record ReadOutcome(Optional<Example> example, List<FieldIssue> issues) {

    public ReadOutcome {
        issues = List.copyOf(issues);
    }

    public static ReadOutcome of(Example example) {
        return new ReadOutcome(Optional.of(example), List.of());
    }

    public static ReadOutcome failed(List<FieldIssue> issues) {
        return new ReadOutcome(Optional.empty(), issues);
    }

    public boolean valid() {
        return example.isPresent();
    }
}
