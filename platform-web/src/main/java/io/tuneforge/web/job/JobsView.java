package io.tuneforge.web.job;

import com.vaadin.flow.component.orderedlayout.VerticalLayout;
import com.vaadin.flow.router.Menu;
import com.vaadin.flow.router.PageTitle;
import com.vaadin.flow.router.Route;
import io.tuneforge.web.layout.SectionHeader;
import jakarta.annotation.security.PermitAll;

/** Launch fine-tuning jobs and watch them learn. */
@Route("jobs")
@PageTitle("Jobs · TuneForge")
@Menu(title = "Jobs", order = 3, icon = "vaadin:tasks")
@PermitAll
public class JobsView extends VerticalLayout {

    public JobsView() {
        add(new SectionHeader("Jobs", "Launch fine-tuning jobs and watch them learn."));
    }
}
