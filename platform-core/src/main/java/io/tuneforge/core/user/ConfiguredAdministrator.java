package io.tuneforge.core.user;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;

/**
 * Creates the first administrator from configuration ({@code tuneforge.admin.username} / {@code .password}) for
 * unattended installs (docker compose); otherwise the web app's first-run setup screen does it.
 */
@Component
class ConfiguredAdministrator {

    private static final Logger log = LoggerFactory.getLogger(ConfiguredAdministrator.class);

    private final UserAccountService accounts;
    private final String username;
    private final String password;
    private final String team;

    ConfiguredAdministrator(UserAccountService accounts,
            @Value("${tuneforge.admin.username:}") String username,
            @Value("${tuneforge.admin.password:}") String password,
            @Value("${tuneforge.admin.team:Administrators}") String team) {
        this.accounts = accounts;
        this.username = username;
        this.password = password;
        this.team = team;
    }

    /** Runs first among start-up listeners, so that later ones (the configured admin token) find the account. */
    @EventListener(ApplicationReadyEvent.class)
    @Order(0)
    void createIfConfigured() {
        if (username.isBlank() || password.isBlank() || !accounts.needsFirstRunSetup()) {
            return;
        }
        accounts.createFirstAdministrator(username, username, password, team);
        log.info("Created the first administrator '{}' from configuration", username);
    }
}
