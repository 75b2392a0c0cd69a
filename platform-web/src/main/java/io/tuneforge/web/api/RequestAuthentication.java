package io.tuneforge.web.api;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import java.io.IOException;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.core.context.SecurityContextHolderStrategy;

/**
 * How the API's own filters authenticate a request: on their chain's security context strategy (the application's,
 * which the chain clears at the end of the request), and, where {@link SecurityContextHolder} is configured with
 * another strategy at that moment (another application context started later in the same JVM, as in tests), on that
 * one too, for this request only.
 */
final class RequestAuthentication {

    private RequestAuthentication() {
    }

    /** Runs the rest of the chain with {@code user} authenticated. */
    static void continueAs(Authentication user, SecurityContextHolderStrategy chainStrategy, FilterChain chain,
            ServletRequest request, ServletResponse response) throws IOException, ServletException {
        chainStrategy.getContext().setAuthentication(user);
        SecurityContextHolderStrategy current = SecurityContextHolder.getContextHolderStrategy();
        if (current == chainStrategy) {
            chain.doFilter(request, response);
            return;
        }
        current.getContext().setAuthentication(user);
        try {
            chain.doFilter(request, response);
        } finally {
            current.clearContext();
        }
    }
}
