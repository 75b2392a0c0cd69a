package io.tuneforge.web.layout;

import com.vaadin.flow.component.applayout.AppLayout;
import com.vaadin.flow.component.applayout.DrawerToggle;
import com.vaadin.flow.component.button.Button;
import com.vaadin.flow.component.button.ButtonVariant;
import com.vaadin.flow.component.html.Span;
import com.vaadin.flow.component.icon.Icon;
import com.vaadin.flow.component.orderedlayout.FlexComponent;
import com.vaadin.flow.component.orderedlayout.HorizontalLayout;
import com.vaadin.flow.component.sidenav.SideNav;
import com.vaadin.flow.component.sidenav.SideNavItem;
import com.vaadin.flow.router.Layout;
import com.vaadin.flow.server.auth.AnonymousAllowed;
import com.vaadin.flow.server.menu.MenuConfiguration;
import com.vaadin.flow.server.menu.MenuEntry;
import com.vaadin.flow.spring.security.AuthenticationContext;
import jakarta.annotation.security.PermitAll;

/**
 * The frame around every signed-in page: a header with the user and a logout button, and a side navigation built
 * from the views' {@code @Menu} entries (only the ones the user may open).
 */
@Layout
@PermitAll
@AnonymousAllowed
public class MainLayout extends AppLayout {

    final SideNav navigation = new SideNav();

    public MainLayout(AuthenticationContext authentication) {
        setPrimarySection(Section.DRAWER);
        addToNavbar(new DrawerToggle(), header(authentication));
        addToDrawer(brand(), navigation);
        MenuConfiguration.getMenuEntries().forEach(entry -> navigation.addItem(item(entry)));
    }

    private static HorizontalLayout header(AuthenticationContext authentication) {
        Span user = new Span(authentication.getPrincipalName().map(name -> "Signed in as " + name).orElse(""));
        Button logout = new Button("Log out", click -> authentication.logout());
        logout.addThemeVariants(ButtonVariant.LUMO_TERTIARY);
        HorizontalLayout header = new HorizontalLayout(user, logout);
        header.setDefaultVerticalComponentAlignment(FlexComponent.Alignment.CENTER);
        header.getStyle().set("margin-left", "auto").set("padding-right", "var(--lumo-space-m)");
        return header;
    }

    private static Span brand() {
        Span brand = new Span("TuneForge");
        brand.getStyle().set("font-size", "var(--lumo-font-size-xl)").set("font-weight", "600")
                .set("padding", "var(--lumo-space-m)").set("display", "block");
        return brand;
    }

    private static SideNavItem item(MenuEntry entry) {
        if (entry.icon() == null || !entry.icon().contains(":")) {
            return new SideNavItem(entry.title(), entry.path());
        }
        String[] collectionAndName = entry.icon().split(":", 2); // e.g. vaadin:dashboard
        return new SideNavItem(entry.title(), entry.path(), new Icon(collectionAndName[0], collectionAndName[1]));
    }
}
