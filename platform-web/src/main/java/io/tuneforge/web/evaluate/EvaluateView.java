package io.tuneforge.web.evaluate;

import com.vaadin.flow.component.orderedlayout.VerticalLayout;
import com.vaadin.flow.router.Menu;
import com.vaadin.flow.router.PageTitle;
import com.vaadin.flow.router.Route;
import io.tuneforge.web.layout.SectionHeader;
import jakarta.annotation.security.PermitAll;

/** Blind A/B rating of base and tuned answers. */
@Route("evaluate")
@PageTitle("Evaluate · TuneForge")
@Menu(title = "Evaluate", order = 6, icon = "vaadin:scale")
@PermitAll
public class EvaluateView extends VerticalLayout {

    public EvaluateView() {
        add(new SectionHeader("Evaluate", "Blind A/B rating of base and tuned answers."));
    }
}
