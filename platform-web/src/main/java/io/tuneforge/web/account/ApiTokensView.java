package io.tuneforge.web.account;

import com.vaadin.flow.component.button.Button;
import com.vaadin.flow.component.button.ButtonVariant;
import com.vaadin.flow.component.grid.Grid;
import com.vaadin.flow.component.html.Paragraph;
import com.vaadin.flow.component.orderedlayout.HorizontalLayout;
import com.vaadin.flow.component.orderedlayout.VerticalLayout;
import com.vaadin.flow.component.textfield.IntegerField;
import com.vaadin.flow.component.textfield.TextField;
import com.vaadin.flow.router.Menu;
import com.vaadin.flow.router.PageTitle;
import com.vaadin.flow.router.Route;
import io.tuneforge.web.api.ApiTokenService;
import io.tuneforge.web.api.ApiTokenService.CreatedToken;
import io.tuneforge.web.api.ApiTokenService.TokenSummary;
import io.tuneforge.web.layout.Notifications;
import io.tuneforge.web.layout.SectionHeader;
import io.tuneforge.web.security.CurrentActor;
import jakarta.annotation.security.PermitAll;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Personal API tokens for the REST API ({@code Authorization: Bearer tf_...}): create one (its secret is shown
 * once), see when each was last used, revoke.
 */
@Route("account/tokens")
@PageTitle("API tokens · TuneForge")
@Menu(title = "API tokens", order = 8, icon = "vaadin:key")
@PermitAll
public class ApiTokensView extends VerticalLayout {

    final TextField name = new TextField("Token name");
    final IntegerField validDays = new IntegerField("Valid for (days, empty = no expiry)");
    final Button create = new Button("Create token");
    final TextField secret = new TextField("New token (copy it now: it is not shown again)");
    final Grid<TokenSummary> tokens = new Grid<>();

    private final ApiTokenService service;
    private final CurrentActor actor;

    public ApiTokensView(ApiTokenService service, CurrentActor actor) {
        this.service = service;
        this.actor = actor;
        name.setId("token-name");
        name.setPlaceholder("ci-pipeline");
        validDays.setMin(1);
        validDays.setWidth("18em"); // the whole label, not "Valid for (days, empty = n…"
        validDays.setId("token-days");
        create.setId("token-create");
        create.addThemeVariants(ButtonVariant.LUMO_PRIMARY);
        create.addClickListener(click -> createToken());
        secret.setId("token-secret");
        secret.setReadOnly(true);
        secret.setWidthFull();
        secret.setVisible(false);
        configureGrid();
        HorizontalLayout form = new HorizontalLayout(name, validDays, create);
        form.setWrap(true); // fits narrow windows (1280×720) by wrapping
        add(new SectionHeader("API tokens", "Personal tokens for the REST API at /api/v1 (OpenAPI at /swagger-ui.html)."),
                new Paragraph("Send a token as 'Authorization: Bearer <token>'. It acts as you: it sees and changes "
                        + "only what you may. Only its hash is stored."),
                form, secret, tokens);
        refresh();
    }

    private void configureGrid() {
        tokens.setId("tokens");
        tokens.addColumn(TokenSummary::name).setHeader("Name");
        tokens.addColumn(t -> minute(t.createdAt())).setHeader("Created (UTC)");
        tokens.addColumn(t -> t.lastUsedAt().map(ApiTokensView::minute).orElse("never")).setHeader("Last used");
        tokens.addColumn(t -> t.expiresAt().map(ApiTokensView::minute).orElse("never")).setHeader("Expires");
        tokens.addComponentColumn(t -> {
            Button revoke = new Button("Revoke", click -> revoke(t));
            revoke.addThemeVariants(ButtonVariant.LUMO_ERROR, ButtonVariant.LUMO_SMALL);
            return revoke;
        });
        tokens.setAllRowsVisible(true);
    }

    /** "2026-12-07 20:30": a time as the other grids show it, to the minute, in UTC. */
    static String minute(Instant time) {
        return time.toString().substring(0, 16).replace('T', ' ');
    }

    private void createToken() {
        try {
            Optional<Instant> expiry = Optional.ofNullable(validDays.getValue())
                    .map(days -> Instant.now().plus(Duration.ofDays(days)));
            CreatedToken created = service.create(actor.get(), name.getValue(), expiry);
            secret.setValue(created.token());
            secret.setVisible(true);
            name.clear();
            refresh();
        } catch (IllegalArgumentException e) {
            Notifications.error(e.getMessage());
        }
    }

    private void revoke(TokenSummary token) {
        if (service.revoke(actor.get(), token.id())) {
            Notifications.success("Token '" + token.name() + "' revoked");
        }
        refresh();
    }

    private void refresh() {
        tokens.setItems(service.list(actor.get()));
    }
}
