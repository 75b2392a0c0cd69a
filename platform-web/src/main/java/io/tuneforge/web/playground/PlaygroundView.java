package io.tuneforge.web.playground;

import com.vaadin.flow.component.orderedlayout.VerticalLayout;
import com.vaadin.flow.router.Menu;
import com.vaadin.flow.router.PageTitle;
import com.vaadin.flow.router.Route;
import io.tuneforge.web.layout.SectionHeader;
import jakarta.annotation.security.PermitAll;

/** Chat with a base model and a tuned model side by side. */
@Route("playground")
@PageTitle("Playground · TuneForge")
@Menu(title = "Playground", order = 5, icon = "vaadin:chat")
@PermitAll
public class PlaygroundView extends VerticalLayout {

    public PlaygroundView() {
        add(new SectionHeader("Playground", "Chat with a base model and a tuned model side by side."));
    }
}
