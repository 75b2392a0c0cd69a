package io.tuneforge.web.api;

import io.tuneforge.core.user.AccessRefusedException;
import io.tuneforge.core.user.Actor;
import io.tuneforge.core.user.UserAccountService;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.stereotype.Component;

/** The {@link Actor} behind the current API request (authenticated by its token). */
@Component
class ApiCaller {

    private final UserAccountService accounts;

    ApiCaller(UserAccountService accounts) {
        this.accounts = accounts;
    }

    Actor get() {
        Authentication auth = SecurityContextHolder.getContext().getAuthentication();
        if (auth == null || !auth.isAuthenticated()) {
            throw new AccessRefusedException("Send a personal API token: Authorization: Bearer tf_...");
        }
        return accounts.findByUsername(auth.getName()).map(Actor::of)
                .orElseThrow(() -> new AccessRefusedException("The account " + auth.getName() + " no longer exists"));
    }
}
