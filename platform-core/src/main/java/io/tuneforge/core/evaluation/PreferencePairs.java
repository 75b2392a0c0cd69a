package io.tuneforge.core.evaluation;

import io.tuneforge.shared.dataset.ColumnMapping;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The preference pairs a blind A/B session's ratings make (DD030): per item, the answer more raters preferred is
 * {@code chosen} and the other {@code rejected}; an item whose raters are split evenly, or who all said "tie", is a tie
 * and left out, as is an item nobody rated or whose preferred or other answer is empty (a pair needs two answers;
 * LLaMA-Factory refuses an empty one). The prompt is the item's prompt as rated (the text both models answered).
 *
 * <p>Written as LLaMA-Factory's pairwise rows ({@code ranking: true} data, alpaca style):
 * {@code {"instruction": prompt, "chosen": answer, "rejected": answer}}, read through the {@link #COLUMNS} mapping.
 */
public final class PreferencePairs {

    /** The column mapping of the exported rows, as a {@code dataset_info.json} entry's {@code columns}. */
    public static final ColumnMapping COLUMNS = ColumnMapping.ofColumns(Map.of(
            "prompt", "instruction", "chosen", "chosen", "rejected", "rejected"));

    private static final JsonMapper JSON = JsonMapper.builder().build();

    /**
     * One pair.
     *
     * @param position the item's 0-based place in the session
     * @param prompt   the prompt as rated
     * @param chosen   the answer preferred
     * @param rejected the other answer
     */
    public record Pair(int position, String prompt, String chosen, String rejected) {
    }

    /**
     * What a session's ratings make.
     *
     * @param pairs   the pairs, in item order
     * @param ties    rated items left out because no answer was preferred by more raters
     * @param unrated items nobody rated
     * @param blank   items with a preferred answer left out because one of the two answers is empty
     */
    public record Outcome(List<Pair> pairs, int ties, int unrated, int blank) {

        public Outcome {
            pairs = List.copyOf(pairs);
        }
    }

    private PreferencePairs() {
    }

    /** The pairs of a session's items from every rater's ratings (majority per item). */
    static Outcome of(List<RatingItem> items, List<Rating> ratings) {
        Map<Long, List<Rating>> byItem = ratings.stream().collect(Collectors.groupingBy(Rating::getItemId));
        List<Pair> pairs = new ArrayList<>();
        int ties = 0;
        int unrated = 0;
        int blank = 0;
        for (RatingItem item : items.stream().sorted(Comparator.comparingInt(RatingItem::getPosition)).toList()) {
            List<Rating> votes = byItem.getOrDefault(item.getId(), List.of());
            if (votes.isEmpty()) {
                unrated++;
                continue;
            }
            long forA = votes.stream().filter(r -> r.getPreference() == Preference.A).count();
            long forB = votes.stream().filter(r -> r.getPreference() == Preference.B).count();
            if (forA == forB) {
                ties++;
            } else if (item.getAnswerA().isBlank() || item.getAnswerB().isBlank()) {
                blank++;
            } else if (forA > forB) {
                pairs.add(new Pair(item.getPosition(), item.getPrompt(), item.getAnswerA(), item.getAnswerB()));
            } else {
                pairs.add(new Pair(item.getPosition(), item.getPrompt(), item.getAnswerB(), item.getAnswerA()));
            }
        }
        return new Outcome(pairs, ties, unrated, blank);
    }

    /** The pairs as JSON Lines in LLaMA-Factory's pairwise format, one object per line, UTF-8 text. */
    static String jsonLines(List<Pair> pairs) {
        StringBuilder out = new StringBuilder();
        for (Pair pair : pairs) {
            ObjectNode row = JSON.createObjectNode();
            row.put("instruction", pair.prompt());
            row.put("chosen", pair.chosen());
            row.put("rejected", pair.rejected());
            out.append(JSON.writeValueAsString(row)).append('\n');
        }
        return out.toString();
    }
}
