package io.tuneforge.web.dashboard;

import com.vaadin.flow.component.orderedlayout.VerticalLayout;
import com.vaadin.flow.router.Menu;
import com.vaadin.flow.router.PageTitle;
import com.vaadin.flow.router.Route;
import io.tuneforge.web.layout.SectionHeader;
import jakarta.annotation.security.PermitAll;

/** Your running and queued jobs, the queue and the devices. */
@Route("")
@PageTitle("Dashboard · TuneForge")
@Menu(title = "Dashboard", order = 0, icon = "vaadin:dashboard")
@PermitAll
public class DashboardView extends VerticalLayout {

    public DashboardView() {
        add(new SectionHeader("Dashboard", "Your running and queued jobs, the queue and the devices."));
    }
}
