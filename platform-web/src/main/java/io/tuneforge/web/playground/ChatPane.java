package io.tuneforge.web.playground;

import com.vaadin.flow.component.Composite;
import com.vaadin.flow.component.html.Div;
import com.vaadin.flow.component.html.H3;
import com.vaadin.flow.component.html.Paragraph;
import com.vaadin.flow.component.html.Span;
import com.vaadin.flow.component.orderedlayout.VerticalLayout;
import io.tuneforge.trainer.generate.StopReason;
import io.tuneforge.trainer.playground.ChatReply;
import io.tuneforge.trainer.playground.ChatTurn;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One side of the playground: a model's conversation, its answer streaming in, and how the answer ended. The newest
 * answer carries the id {@code <prefix>-answer}, the status line {@code <prefix>-status}.
 */
final class ChatPane extends Composite<VerticalLayout> {

    private final String idPrefix;
    private final H3 title = new H3();
    private final Div transcript = new Div();
    private final Span status = new Span();
    private final List<ChatTurn> history = new ArrayList<>();
    private Paragraph answer;
    private String question;

    ChatPane(String heading, String idPrefix) {
        this.idPrefix = idPrefix;
        title.setText(heading);
        transcript.setId(idPrefix + "-chat");
        transcript.getStyle().set("overflow-y", "auto").set("overflow-x", "hidden").set("flex-grow", "1")
                .set("min-height", "8em").set("max-height", "40vh").set("width", "100%");
        status.setId(idPrefix + "-status");
        status.getStyle().set("color", "var(--lumo-secondary-text-color)").set("font-size", "var(--lumo-font-size-s)");
        VerticalLayout content = getContent();
        content.setPadding(true);
        content.setWidth("50%");
        content.getStyle().set("border", "1px solid var(--lumo-contrast-10pct)")
                .set("border-radius", "var(--lumo-border-radius-l)");
        content.add(title, transcript, status);
    }

    /** The finished turns of this side's conversation. */
    List<ChatTurn> history() {
        return List.copyOf(history);
    }

    void setHeading(String heading) {
        title.setText(heading);
    }

    /** Shows the user's message and an empty answer that text is appended to. */
    void startAnswer(String message) {
        if (answer != null) {
            answer.getElement().removeAttribute("id");            // the id marks the newest answer only
        }
        question = message;
        Paragraph user = new Paragraph(message);
        user.addClassName("playground-user");
        user.getStyle().set("background", "var(--lumo-contrast-5pct)").set("padding", "var(--lumo-space-s)")
                .set("border-radius", "var(--lumo-border-radius-m)").set("white-space", "pre-wrap")
                .set("overflow-wrap", "anywhere").set("margin", "0");
        answer = new Paragraph();
        answer.setId(idPrefix + "-answer");
        answer.addClassName("playground-answer");
        answer.getStyle().set("white-space", "pre-wrap").set("overflow-wrap", "anywhere")
                .set("padding", "var(--lumo-space-s)");
        transcript.add(user, answer);
        status.setText("Thinking…");
    }

    /** Adds streamed text to the current answer. */
    void append(String text) {
        if (answer != null && !text.isEmpty()) {
            answer.setText(answer.getText() + text);
            status.setText("Writing…");
        }
    }

    /** The answer is complete: it joins the history and its numbers are shown. */
    void finish(ChatReply reply) {
        if (answer == null) {
            return;
        }
        answer.setText(reply.text());
        history.add(new ChatTurn(question, reply.text()));
        status.setText(String.format(Locale.ROOT, "%d tokens · %.1f tokens/s · %s", reply.tokens(),
                reply.tokensPerSecond(), ending(reply.stopReason())));
    }

    /** The answer failed: the reason is shown in its place; the message does not join the history. */
    void fail(String message) {
        if (answer == null) {
            startAnswer(question == null ? "" : question);
        }
        answer.setText(message);
        answer.getStyle().set("color", "var(--lumo-error-text-color)");
        answer.addClassName("playground-error");
        status.setText("Failed");
    }

    /** Shows a note instead of an answer (nothing was asked of this side). */
    void note(String text) {
        status.setText(text);
    }

    /** Shows a saved conversation's turns as this side's history; the next message continues it. */
    void restore(List<ChatTurn> turns) {
        clear();
        for (ChatTurn turn : turns) {
            startAnswer(turn.user());
            answer.setText(turn.assistant());
            history.add(turn);
        }
        status.setText(turns.isEmpty() ? "" : "Reopened · " + turns.size() + (turns.size() == 1 ? " turn" : " turns"));
    }

    /** Forgets the conversation. */
    void clear() {
        history.clear();
        transcript.removeAll();
        answer = null;
        question = null;
        status.setText("");
    }

    String currentAnswer() {
        return answer == null ? "" : answer.getText();
    }

    String statusText() {
        return status.getText();
    }

    private static String ending(StopReason reason) {
        return switch (reason) {
            case EOS -> "ended its turn";
            case STOP_STRING -> "ended at a stop word";
            case MAX_TOKENS -> "reached max new tokens";
            case CANCELLED -> "stopped";
        };
    }
}
