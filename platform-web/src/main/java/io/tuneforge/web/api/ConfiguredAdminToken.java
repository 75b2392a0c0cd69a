package io.tuneforge.web.api;

import io.tuneforge.core.user.AppUser;
import io.tuneforge.core.user.Role;
import io.tuneforge.core.user.UserAccountService;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;

/**
 * Registers {@code TUNEFORGE_ADMIN_TOKEN} ({@code tuneforge.admin.token}) as an API token of the configured first
 * administrator ({@code TUNEFORGE_ADMIN_USERNAME}, created just before by {@code ConfiguredAdministrator}), so that a
 * script can drive a fresh install without a browser. A token that is too short stops the start, naming the setting;
 * registering again on later starts changes nothing.
 */
@Component
class ConfiguredAdminToken {

    private static final Logger log = LoggerFactory.getLogger(ConfiguredAdminToken.class);
    /** The name the token has in the administrator's token list. */
    static final String TOKEN_NAME = "TUNEFORGE_ADMIN_TOKEN";

    private final ApiTokenService tokens;
    private final UserAccountService accounts;
    private final String token;
    private final String username;

    ConfiguredAdminToken(ApiTokenService tokens, UserAccountService accounts,
            @Value("${tuneforge.admin.token:}") String token,
            @Value("${tuneforge.admin.username:}") String username) {
        if (!token.isEmpty()) {
            try {
                ApiTokenService.requireConfigurable(token);
            } catch (IllegalArgumentException e) {
                throw new IllegalStateException(e.getMessage(), e);
            }
        }
        this.tokens = tokens;
        this.accounts = accounts;
        this.token = token;
        this.username = username;
    }

    /** After the configured administrator exists (that listener has order 0). */
    @EventListener(ApplicationReadyEvent.class)
    @Order(10)
    void registerIfConfigured() {
        if (token.isEmpty()) {
            return;
        }
        Optional<AppUser> admin = username.isBlank() ? Optional.empty() : accounts.findByUsername(username.strip())
                .filter(user -> user.getRole() == Role.ADMIN);
        if (admin.isEmpty()) {
            log.warn("TUNEFORGE_ADMIN_TOKEN is set but TUNEFORGE_ADMIN_USERNAME names no administrator; "
                    + "the token was not registered");
            return;
        }
        if (tokens.register(admin.get().getId(), TOKEN_NAME, token)) {
            log.info("Registered TUNEFORGE_ADMIN_TOKEN as an API token of '{}'", admin.get().getUsername());
        }
    }
}
