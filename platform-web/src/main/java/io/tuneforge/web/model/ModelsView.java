package io.tuneforge.web.model;

import com.vaadin.flow.component.orderedlayout.VerticalLayout;
import com.vaadin.flow.router.Menu;
import com.vaadin.flow.router.PageTitle;
import com.vaadin.flow.router.Route;
import io.tuneforge.web.layout.SectionHeader;
import jakarta.annotation.security.PermitAll;

/** Base models and your fine-tuned results. */
@Route("models")
@PageTitle("Models · TuneForge")
@Menu(title = "Models", order = 2, icon = "vaadin:cubes")
@PermitAll
public class ModelsView extends VerticalLayout {

    public ModelsView() {
        add(new SectionHeader("Models", "Base models and your fine-tuned results."));
    }
}
