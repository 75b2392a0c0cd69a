package io.tuneforge.web.dataset;

import com.vaadin.flow.component.Component;
import com.vaadin.flow.component.html.Div;
import com.vaadin.flow.component.html.Span;
import com.vaadin.flow.component.orderedlayout.VerticalLayout;
import io.tuneforge.trainer.data.encoding.EncodedExample;
import io.tuneforge.trainer.data.encoding.Segment;
import java.util.Locale;

/** One training row as the trainer sees it: its rendered text with the trained spans highlighted. */
public final class TrainingSample {

    /** The class name of a trained span. */
    public static final String TRAINED = "trained-span";

    private TrainingSample() {
    }

    /** Row {@code index} (0-based) with a header giving its token counts. */
    public static Component of(int index, EncodedExample encoded) {
        Span header = new Span(String.format(Locale.ROOT, "Sample %d · %d tokens · %d trained%s", index + 1,
                encoded.fullLength(), encoded.sample().targetTokens(),
                encoded.truncated() ? " · cut at the cutoff (only the first " + encoded.sample().length()
                        + " tokens are seen)" : ""));
        header.getStyle().set("font-weight", "600").set("font-size", "var(--lumo-font-size-s)");
        Div text = new Div();
        for (Segment segment : encoded.segments()) {
            text.add(segment.trained() ? trainedSpan(segment.text()) : new Span(segment.text()));
        }
        text.getStyle().set("white-space", "pre-wrap").set("font-family", "var(--lumo-font-family-monospace)")
                .set("font-size", "var(--lumo-font-size-s)").set("padding", "var(--lumo-space-s)")
                .set("border", "1px solid var(--lumo-contrast-10pct)")
                .set("border-radius", "var(--lumo-border-radius-m)");
        text.setWidthFull();
        VerticalLayout box = new VerticalLayout(header, text);
        box.setPadding(false);
        box.setSpacing(false);
        return box;
    }

    /** A highlighted stretch; {@code setText} escapes it, so markup in the data is shown, not interpreted. */
    static Span trainedSpan(String text) {
        Span span = new Span(text);
        span.addClassName(TRAINED);
        span.getStyle().set("background", "var(--lumo-success-color-10pct)")
                .set("box-shadow", "inset 0 -2px 0 var(--lumo-success-color)");
        return span;
    }
}
