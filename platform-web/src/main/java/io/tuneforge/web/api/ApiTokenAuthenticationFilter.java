package io.tuneforge.web.api;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import org.springframework.http.HttpHeaders;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.context.SecurityContextHolderStrategy;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Authenticates {@code Authorization: Bearer tf_...} requests to the API by their personal token. Requests without
 * a valid token stay anonymous and are answered 401 by the API's security chain.
 *
 * <p>The authentication is set through the {@link SecurityContextHolderStrategy} the filter is given, looked up per
 * request (the application passes its own strategy bean, Vaadin's, which the rest of the chain reads too; the global
 * {@code SecurityContextHolder} is replaced by every application context that starts in the JVM), so that a test or
 * a chain with a strategy of its own sees exactly its own requests. It is set on the current context, as before: creating a fresh context and saving it in a request-scoped
 * {@code SecurityContextRepository} (Spring Security's recommended form) made the error dispatch of a refused
 * request (a 415 from {@code /api/v1/files}) answer 403 instead of its problem detail (DD023).
 */
final class ApiTokenAuthenticationFilter extends OncePerRequestFilter {

    private static final String BEARER = "Bearer ";

    /** Who a personal token belongs to: the username, or empty for an unknown, revoked or expired token. */
    @FunctionalInterface
    interface TokenAuthenticator {
        Optional<String> authenticate(String token);
    }

    private final TokenAuthenticator tokens;
    private final Supplier<SecurityContextHolderStrategy> contexts;

    ApiTokenAuthenticationFilter(TokenAuthenticator tokens, Supplier<SecurityContextHolderStrategy> contexts) {
        this.tokens = tokens;
        this.contexts = contexts;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String header = request.getHeader(HttpHeaders.AUTHORIZATION);
        Optional<String> username = header != null && header.regionMatches(true, 0, BEARER, 0, BEARER.length())
                ? tokens.authenticate(header.substring(BEARER.length()).strip()) : Optional.empty();
        if (username.isEmpty()) {
            chain.doFilter(request, response);
            return;
        }
        RequestAuthentication.continueAs(UsernamePasswordAuthenticationToken.authenticated(username.get(), null,
                List.of()), contexts.get(), chain, request, response);
    }

    /** Streamed answers (server-sent events) end in an async dispatch, which must be authenticated again. */
    @Override
    protected boolean shouldNotFilterAsyncDispatch() {
        return false;
    }
}
