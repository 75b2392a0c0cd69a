package io.tuneforge.core.dataset;

import io.tuneforge.shared.dataset.ColumnMapping;
import io.tuneforge.shared.dataset.DatasetException;
import java.util.Optional;

/**
 * An upload whose format cannot be told from its first records: nothing was stored. When its rows have a common
 * prompt/answer shape ({@code question}/{@code answer}, {@code prompt}/{@code response}, ...), it carries the column
 * mapping that reads them, for the UI to offer and the message to name.
 */
public class UndetectedFormatException extends DatasetException {

    private final transient Optional<ColumnMapping> suggestedMapping;

    public UndetectedFormatException(String message, Optional<ColumnMapping> suggestedMapping) {
        super(message);
        this.suggestedMapping = suggestedMapping;
    }

    /** The mapping that reads the rows, if they have a common shape. */
    public Optional<ColumnMapping> suggestedMapping() {
        return suggestedMapping;
    }
}
