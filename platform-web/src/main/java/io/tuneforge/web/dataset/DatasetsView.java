package io.tuneforge.web.dataset;

import com.vaadin.flow.component.orderedlayout.VerticalLayout;
import com.vaadin.flow.router.Menu;
import com.vaadin.flow.router.PageTitle;
import com.vaadin.flow.router.Route;
import io.tuneforge.web.layout.SectionHeader;
import jakarta.annotation.security.PermitAll;

/** Upload, validate and preview training data. */
@Route("datasets")
@PageTitle("Datasets · TuneForge")
@Menu(title = "Datasets", order = 1, icon = "vaadin:database")
@PermitAll
public class DatasetsView extends VerticalLayout {

    public DatasetsView() {
        add(new SectionHeader("Datasets", "Upload, validate and preview training data."));
    }
}
