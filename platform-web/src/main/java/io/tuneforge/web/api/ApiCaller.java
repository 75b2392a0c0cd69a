package io.tuneforge.web.api;

import io.tuneforge.core.user.AccessRefusedException;
import io.tuneforge.core.user.Actor;
import io.tuneforge.core.user.UserAccountService;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.core.context.SecurityContextHolderStrategy;
import org.springframework.stereotype.Component;

/** The {@link Actor} behind the current API request (authenticated by its token). */
@Component
class ApiCaller {

    private final UserAccountService accounts;
    private final SecurityContextHolderStrategy contexts;

    ApiCaller(UserAccountService accounts, ObjectProvider<SecurityContextHolderStrategy> strategy) {
        this.accounts = accounts;
        this.contexts = strategy.getIfAvailable(SecurityContextHolder::getContextHolderStrategy);
    }

    Actor get() {
        Authentication auth = contexts.getContext().getAuthentication();
        if (auth == null || !auth.isAuthenticated()) {
            throw new AccessRefusedException("Send a personal API token: Authorization: Bearer tf_...");
        }
        return accounts.findByUsername(auth.getName()).map(Actor::of)
                .orElseThrow(() -> new AccessRefusedException("The account " + auth.getName() + " no longer exists"));
    }
}
