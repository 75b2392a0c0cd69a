package io.tuneforge.web.security;

import com.vaadin.flow.component.button.Button;
import com.vaadin.flow.component.button.ButtonVariant;
import com.vaadin.flow.component.formlayout.FormLayout;
import com.vaadin.flow.component.html.H1;
import com.vaadin.flow.component.html.Paragraph;
import com.vaadin.flow.component.orderedlayout.FlexComponent;
import com.vaadin.flow.component.orderedlayout.VerticalLayout;
import com.vaadin.flow.component.textfield.PasswordField;
import com.vaadin.flow.component.textfield.TextField;
import com.vaadin.flow.router.BeforeEnterEvent;
import com.vaadin.flow.router.BeforeEnterObserver;
import com.vaadin.flow.router.PageTitle;
import com.vaadin.flow.router.Route;
import com.vaadin.flow.server.auth.AnonymousAllowed;
import com.vaadin.flow.server.VaadinServletRequest;
import com.vaadin.flow.server.VaadinServletResponse;
import io.tuneforge.core.user.AccountException;
import io.tuneforge.core.user.UserAccountService;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.config.annotation.authentication.configuration.AuthenticationConfiguration;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.core.context.SecurityContext;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.web.context.HttpSessionSecurityContextRepository;
import org.springframework.security.web.context.SecurityContextRepository;

/**
 * First-run setup: creates the first administrator (there is no default password). Closed for good once an
 * administrator exists.
 */
@Route(value = "setup", autoLayout = false)
@PageTitle("First-run setup · TuneForge")
@AnonymousAllowed
public class SetupView extends VerticalLayout implements BeforeEnterObserver {

    final TextField username = new TextField("Administrator username");
    final TextField displayName = new TextField("Display name");
    final TextField team = new TextField("Team");
    final PasswordField password = new PasswordField("Password");
    final PasswordField confirm = new PasswordField("Repeat password");
    final Button create = new Button("Create administrator");
    final Paragraph error = new Paragraph();

    private final UserAccountService accounts;
    private final AuthenticationConfiguration authentication;
    private final SecurityContextRepository sessionContexts = new HttpSessionSecurityContextRepository();

    SetupView(UserAccountService accounts, AuthenticationConfiguration authentication) {
        this.accounts = accounts;
        this.authentication = authentication;
        setSizeFull();
        setAlignItems(FlexComponent.Alignment.CENTER);
        configureFields();
        add(new H1("Welcome to TuneForge"),
                new Paragraph("Create the first administrator. They can add teams and users afterwards."),
                form(), error, create);
    }

    private void configureFields() {
        username.setId("setup-username");
        password.setId("setup-password");
        confirm.setId("setup-confirm");
        create.setId("setup-create");
        team.setValue("Administrators");
        password.setHelperText("At least " + UserAccountService.MIN_PASSWORD_LENGTH + " characters");
        password.setMinLength(UserAccountService.MIN_PASSWORD_LENGTH);
        error.getStyle().set("color", "var(--lumo-error-text-color)");
        create.addThemeVariants(ButtonVariant.LUMO_PRIMARY);
        create.addClickListener(click -> createAdministrator());
    }

    private FormLayout form() {
        FormLayout form = new FormLayout(username, displayName, team, password, confirm);
        form.setMaxWidth("40em");
        return form;
    }

    private void createAdministrator() {
        if (!password.getValue().equals(confirm.getValue())) {
            error.setText("The two passwords differ.");
            return;
        }
        try {
            accounts.createFirstAdministrator(username.getValue(), displayName.getValue(), password.getValue(),
                    team.getValue().isBlank() ? "Administrators" : team.getValue().strip());
        } catch (AccountException e) {
            error.setText(e.getMessage());
            return;
        }
        if (signIn(username.getValue().strip(), password.getValue())) {
            getUI().ifPresent(ui -> ui.getPage().setLocation("./")); // reload as the signed-in user
        } else {
            getUI().ifPresent(ui -> ui.navigate(LoginView.class));
        }
    }

    /**
     * Signs the new administrator in as the login form would (through the application's authentication manager,
     * the password checked against the stored hash), with a new session id, the context kept in the HTTP session.
     *
     * @return false when it could not (the login page is shown instead)
     */
    private boolean signIn(String user, String secret) {
        try {
            Authentication signedIn = authentication.getAuthenticationManager()
                    .authenticate(UsernamePasswordAuthenticationToken.unauthenticated(user, secret));
            SecurityContext context = SecurityContextHolder.createEmptyContext();
            context.setAuthentication(signedIn);
            SecurityContextHolder.setContext(context);
            VaadinServletRequest request = VaadinServletRequest.getCurrent();
            VaadinServletResponse response = VaadinServletResponse.getCurrent();
            if (request != null && response != null) {
                renewSessionId(request);
                sessionContexts.saveContext(context, request.getHttpServletRequest(), response.getHttpServletResponse());
            }
            return true;
        } catch (AuthenticationException e) {
            return false;
        }
    }

    /** A new session id for the signed-in session, as Spring Security's login does against session fixation. */
    private static void renewSessionId(VaadinServletRequest request) {
        try {
            request.getHttpServletRequest().changeSessionId();
        } catch (UnsupportedOperationException e) {
            // a request without session ids to change (the browserless tests' mock request): nothing to renew
        }
    }

    @Override
    public void beforeEnter(BeforeEnterEvent event) {
        if (!accounts.needsFirstRunSetup()) {
            event.forwardTo(LoginView.class);
        }
    }
}
