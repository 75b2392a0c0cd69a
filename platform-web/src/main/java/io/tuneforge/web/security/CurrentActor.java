package io.tuneforge.web.security;

import com.vaadin.flow.spring.security.AuthenticationContext;
import io.tuneforge.core.user.AccessRefusedException;
import io.tuneforge.core.user.Actor;
import io.tuneforge.core.user.UserAccountService;
import org.springframework.stereotype.Component;

/** The signed-in user as an {@link Actor}, which every service call is scoped by. */
@Component
public class CurrentActor {

    private final AuthenticationContext authentication;
    private final UserAccountService accounts;

    CurrentActor(AuthenticationContext authentication, UserAccountService accounts) {
        this.authentication = authentication;
        this.accounts = accounts;
    }

    /** The signed-in user; refuses when nobody is signed in. */
    public Actor get() {
        String username = authentication.getPrincipalName()
                .orElseThrow(() -> new AccessRefusedException("Sign in first"));
        return accounts.findByUsername(username).map(Actor::of)
                .orElseThrow(() -> new AccessRefusedException("The account " + username + " no longer exists"));
    }
}
