package io.tuneforge.web.compare;

import com.vaadin.flow.component.orderedlayout.VerticalLayout;
import com.vaadin.flow.router.Menu;
import com.vaadin.flow.router.PageTitle;
import com.vaadin.flow.router.Route;
import io.tuneforge.web.layout.SectionHeader;
import jakarta.annotation.security.PermitAll;

/** Compare runs: curves, configurations and final metrics. */
@Route("compare")
@PageTitle("Compare · TuneForge")
@Menu(title = "Compare", order = 4, icon = "vaadin:split")
@PermitAll
public class CompareView extends VerticalLayout {

    public CompareView() {
        add(new SectionHeader("Compare", "Compare runs: curves, configurations and final metrics."));
    }
}
