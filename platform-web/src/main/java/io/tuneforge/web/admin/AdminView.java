package io.tuneforge.web.admin;

import com.vaadin.flow.component.orderedlayout.VerticalLayout;
import com.vaadin.flow.router.Menu;
import com.vaadin.flow.router.PageTitle;
import com.vaadin.flow.router.Route;
import io.tuneforge.web.layout.SectionHeader;
import jakarta.annotation.security.RolesAllowed;

/** The GPU queue, workers and devices, teams, users and quotas. */
@Route("admin")
@PageTitle("Admin · TuneForge")
@Menu(title = "Admin", order = 7, icon = "vaadin:cogs")
@RolesAllowed("ADMIN")
public class AdminView extends VerticalLayout {

    public AdminView() {
        add(new SectionHeader("Admin", "The GPU queue, workers and devices, teams, users and quotas."));
    }
}
