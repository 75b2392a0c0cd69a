package io.tuneforge.web.evaluate;

import com.vaadin.flow.component.Component;
import com.vaadin.flow.component.Composite;
import com.vaadin.flow.component.details.Details;
import com.vaadin.flow.component.html.Div;
import com.vaadin.flow.component.html.H4;
import com.vaadin.flow.component.html.Span;
import com.vaadin.flow.component.orderedlayout.HorizontalLayout;
import com.vaadin.flow.component.orderedlayout.VerticalLayout;
import com.vaadin.flow.component.progressbar.ProgressBar;
import com.vaadin.flow.component.radiobutton.RadioButtonGroup;
import com.vaadin.flow.component.textfield.TextArea;
import io.tuneforge.core.evaluation.Criterion;
import io.tuneforge.core.evaluation.EvaluationService.ItemToRate;
import io.tuneforge.core.evaluation.EvaluationService.Progress;
import io.tuneforge.core.evaluation.Preference;
import io.tuneforge.core.evaluation.RatingInput;
import io.tuneforge.core.evaluation.Scores;
import io.tuneforge.core.evaluation.Side;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.IntStream;

/**
 * One item as the rater sees it: the prompt, the reference answer folded away, "Answer A" and "Answer B" side by side
 * with a 1–5 choice per criterion under each, the preference and a comment. Nothing on it says which model wrote
 * which answer.
 */
class RatingForm extends Composite<VerticalLayout> {

    private static final List<Integer> SCORE_CHOICES = IntStream.rangeClosed(Criterion.MIN_SCORE, Criterion.MAX_SCORE)
            .boxed().toList();

    final Span progressText = new Span();
    final ProgressBar progressBar = new ProgressBar(0, 1, 0);
    final Span position = new Span();
    final Div prompt = textBlock("evaluate-prompt");
    final Div reference = textBlock("evaluate-reference-text");
    final Details referenceDetails = new Details("Reference answer", reference);
    final Div answerA = textBlock("evaluate-answer-a");
    final Div answerB = textBlock("evaluate-answer-b");
    final Map<Side, Map<Criterion, RadioButtonGroup<Integer>>> scores = new EnumMap<>(Side.class);
    final RadioButtonGroup<Preference> preference = new RadioButtonGroup<>("Which answer is better overall?");
    final TextArea comment = new TextArea("Comment (optional)");

    RatingForm() {
        progressText.setId("evaluate-progress");
        progressBar.setWidth("16em");
        position.setId("evaluate-position");
        referenceDetails.setId("evaluate-reference");
        referenceDetails.setOpened(false);
        preference.setId("evaluate-preference");
        preference.setItems(Preference.values());
        preference.setItemLabelGenerator(RatingForm::preferenceLabel);
        comment.setId("evaluate-comment");
        comment.setMaxLength(RatingInput.MAX_COMMENT_LENGTH);
        comment.setWidthFull();
        getContent().setPadding(false);
        getContent().add(new HorizontalLayout(progressText, progressBar, position), new H4("Prompt"), prompt,
                referenceDetails, sideBySide(answerColumn(Side.A, answerA), answerColumn(Side.B, answerB)),
                sideBySide(scoreColumn(Side.A), scoreColumn(Side.B)), preference, comment);
    }

    /** Shows an item, with the rater's earlier rating filled in when there is one. */
    void show(ItemToRate item, Progress progress) {
        showProgress(progress);
        position.setText("Item " + (item.position() + 1) + " of " + item.total());
        prompt.setText(item.prompt());
        reference.setText(item.label().isEmpty() ? "(the held-out set has no reference answer)"
                : RaterText.clean(item.label()));
        referenceDetails.setOpened(false);
        answerA.setText(RaterText.clean(item.answerA()));
        answerB.setText(RaterText.clean(item.answerB()));
        fill(item.previous());
    }

    void showProgress(Progress progress) {
        progressText.setText(progress.rated() + " of " + progress.total() + " rated");
        progressBar.setValue(progress.total() == 0 ? 0 : (double) progress.rated() / progress.total());
    }

    /** What the rater chose; refuses a missing score or preference with the answer and criterion named. */
    RatingInput input() {
        Scores a = Scores.of(chosen(Side.A), "Answer A");
        Scores b = Scores.of(chosen(Side.B), "Answer B");
        return new RatingInput(a, b, preference.getValue(), Optional.ofNullable(comment.getValue()));
    }

    private Map<Criterion, Integer> chosen(Side side) {
        Map<Criterion, Integer> values = new EnumMap<>(Criterion.class);
        scores.get(side).forEach((criterion, group) -> values.put(criterion, group.getValue()));
        return values;
    }

    private void fill(Optional<RatingInput> previous) {
        for (Side side : Side.values()) {
            Optional<Scores> earlier = previous.map(p -> side == Side.A ? p.answerA() : p.answerB());
            scores.get(side).forEach((criterion, group) -> group.setValue(earlier.map(s -> s.get(criterion))
                    .orElse(null)));
        }
        preference.setValue(previous.map(RatingInput::preference).orElse(null));
        comment.setValue(previous.flatMap(RatingInput::comment).orElse(""));
    }

    /** Two equally wide columns; answers in one row and scores in the next, so the criteria line up. */
    private static HorizontalLayout sideBySide(VerticalLayout a, VerticalLayout b) {
        HorizontalLayout row = new HorizontalLayout(a, b);
        row.setWidthFull();
        return row;
    }

    private static VerticalLayout answerColumn(Side side, Div answer) {
        return column(new H4("Answer " + side.name()), answer);
    }

    private VerticalLayout scoreColumn(Side side) {
        VerticalLayout column = column();
        Map<Criterion, RadioButtonGroup<Integer>> groups = new EnumMap<>(Criterion.class);
        for (Criterion criterion : Criterion.values()) {
            RadioButtonGroup<Integer> group = new RadioButtonGroup<>(criterion.label() + " of answer " + side.name());
            group.setItems(SCORE_CHOICES);
            group.setHelperText(criterion.question() + " (1 poor – 5 excellent)");
            group.setId("score-" + side.name().toLowerCase() + "-" + criterion.key());
            groups.put(criterion, group);
            column.add(group);
        }
        scores.put(side, groups);
        return column;
    }

    private static VerticalLayout column(Component... children) {
        VerticalLayout column = new VerticalLayout(children);
        column.setPadding(false);
        column.getStyle().set("flex", "1 1 0").set("min-width", "0");
        return column;
    }

    private static Div textBlock(String id) {
        Div div = new Div();
        div.setId(id);
        div.setWidthFull();
        div.getStyle().set("box-sizing", "border-box").set("white-space", "pre-wrap").set("padding", "var(--lumo-space-s)")
                .set("border", "1px solid var(--lumo-contrast-20pct)").set("border-radius", "var(--lumo-border-radius-m)")
                .set("max-height", "24em").set("overflow", "auto");
        return div;
    }

    private static String preferenceLabel(Preference preference) {
        return switch (preference) {
            case A -> "Answer A";
            case B -> "Answer B";
            case TIE -> "Tie";
        };
    }
}
