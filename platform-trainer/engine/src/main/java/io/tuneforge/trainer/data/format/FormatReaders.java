package io.tuneforge.trainer.data.format;

import io.tuneforge.shared.dataset.DatasetFormat;
import io.tuneforge.trainer.data.DatasetSpec;

/** The {@link RecordReader} for a resolved format and a dataset's column and tag settings. */
public final class FormatReaders {

    private FormatReaders() {
    }

    public static RecordReader create(DatasetFormat format, DatasetSpec spec) {
        Columns columns = spec.columns();
        return switch (format) {
            case ALPACA -> new AlpacaReader(columns, false);
            case SHAREGPT -> new ShareGptReader(columns, spec.tags(), false);
            case OPENAI -> new ShareGptReader(
                    columns.messages().equals(Columns.defaults().messages()) ? columns.withMessages("messages") : columns,
                    spec.tags(), false);
            case CLASSIFICATION -> new ClassificationReader(columns);
            case TEXT -> new TextReader(columns.text());
            case PREFERENCE -> new PreferenceReader(columns, spec.tags());
        };
    }
}
