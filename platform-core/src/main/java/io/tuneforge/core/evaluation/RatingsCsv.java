package io.tuneforge.core.evaluation;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The unblinded export of a session: one row per rating, RFC 4180 quoting (fields with a comma, quote or line break
 * are quoted, quotes doubled), CRLF line ends, a header row first.
 */
final class RatingsCsv {

    /** Column names, in order. */
    static final List<String> HEADER = header();

    private RatingsCsv() {
    }

    /**
     * One exported rating.
     *
     * @param item   the rating's item
     * @param rating the rating
     * @param rater  the rater's user name
     */
    record Row(RatingItem item, Rating rating, String rater) {
    }

    static void write(List<Row> rows, Appendable out) {
        try {
            line(HEADER, out);
            for (Row row : rows) {
                line(values(row), out);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write the ratings export", e);
        }
    }

    private static List<String> header() {
        List<String> names = new ArrayList<>(List.of("item", "prompt", "rater", "model_a", "model_b"));
        for (Side side : Side.values()) {
            for (Criterion criterion : Criterion.values()) {
                names.add(side.name().toLowerCase() + "_" + criterion.key());
            }
        }
        names.addAll(List.of("preference", "comment", "rated_at"));
        return List.copyOf(names);
    }

    private static List<String> values(Row row) {
        RatingItem item = row.item();
        Rating rating = row.rating();
        List<String> values = new ArrayList<>(List.of(Integer.toString(item.getPosition() + 1), item.getPrompt(),
                row.rater(), item.modelOn(Side.A).key(), item.modelOn(Side.B).key()));
        for (Side side : Side.values()) {
            for (Criterion criterion : Criterion.values()) {
                values.add(Integer.toString(rating.scores(side).get(criterion)));
            }
        }
        values.add(rating.getPreference().side().map(item::modelOn).map(EvaluatedModel::key).orElse("tie"));
        values.add(rating.getComment().orElse(""));
        values.add(rating.getUpdatedAt().toString());
        return values;
    }

    private static void line(List<String> values, Appendable out) throws IOException {
        for (int i = 0; i < values.size(); i++) {
            if (i > 0) {
                out.append(',');
            }
            out.append(quoted(values.get(i)));
        }
        out.append("\r\n");
    }

    static String quoted(String value) {
        boolean needsQuotes = value.indexOf(',') >= 0 || value.indexOf('"') >= 0 || value.indexOf('\n') >= 0
                || value.indexOf('\r') >= 0;
        return needsQuotes ? '"' + value.replace("\"", "\"\"") + '"' : value;
    }
}
