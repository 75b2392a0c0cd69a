package io.tuneforge.web.playground;

import com.vaadin.flow.component.UI;
import com.vaadin.flow.component.UIDetachedException;
import com.vaadin.flow.server.Command;
import io.tuneforge.trainer.playground.ChatListener;
import io.tuneforge.trainer.playground.ChatReply;

/**
 * Carries one answer from a playground thread to its pane through server push. Pieces are gathered and pushed at most
 * as often as the view's {@link PushThrottle} allows; the end always pushes what is left.
 */
final class PaneStream implements ChatListener {

    private final UI ui;
    private final ChatPane pane;
    private final PushThrottle throttle;
    private final Runnable ended;
    private final StringBuilder pending = new StringBuilder();

    PaneStream(UI ui, ChatPane pane, PushThrottle throttle, Runnable ended) {
        this.ui = ui;
        this.pane = pane;
        this.throttle = throttle;
        this.ended = ended;
    }

    @Override
    public void onText(String piece) {
        String text;
        synchronized (pending) {
            pending.append(piece);
            if (!throttle.due()) {
                return;
            }
            text = drain();
        }
        push(() -> pane.append(text));
    }

    @Override
    public void onFinished(ChatReply reply) {
        push(() -> {
            pane.finish(reply);
            ended.run();
        });
    }

    @Override
    public void onFailed(String message) {
        String rest;
        synchronized (pending) {
            rest = drain();
        }
        push(() -> {
            pane.append(rest);
            pane.fail(message);
            ended.run();
        });
    }

    private String drain() {
        String text = pending.toString();
        pending.setLength(0);
        return text;
    }

    private void push(Command command) {
        try {
            ui.access(command);
        } catch (UIDetachedException e) {
            // the page was closed: nobody to show the answer to (the view stops its answers on detach)
        }
    }
}
