package io.tuneforge.web.api;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import org.springframework.http.HttpHeaders;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.context.SecurityContext;
import org.springframework.security.core.context.SecurityContextHolderStrategy;
import org.springframework.security.web.context.SecurityContextRepository;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Authenticates {@code Authorization: Bearer tf_...} requests to the API by their personal token. Requests without
 * a valid token stay anonymous and are answered 401 by the API's security chain.
 *
 * <p>As Spring Security expects of an authentication filter, the authenticated context is a fresh one set through the
 * configured {@link SecurityContextHolderStrategy} (never the static holder, which tests and other chains may
 * replace) and saved explicitly in the chain's {@link SecurityContextRepository} (request-scoped for this stateless
 * chain, so the async and error dispatches of the same request find it).
 */
final class ApiTokenAuthenticationFilter extends OncePerRequestFilter {

    private static final String BEARER = "Bearer ";

    /** Who a personal token belongs to: the username, or empty for an unknown, revoked or expired token. */
    @FunctionalInterface
    interface TokenAuthenticator {
        Optional<String> authenticate(String token);
    }

    private final TokenAuthenticator tokens;
    private final SecurityContextHolderStrategy contexts;
    private final SecurityContextRepository repository;

    ApiTokenAuthenticationFilter(TokenAuthenticator tokens, SecurityContextHolderStrategy contexts,
            SecurityContextRepository repository) {
        this.tokens = tokens;
        this.contexts = contexts;
        this.repository = repository;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String header = request.getHeader(HttpHeaders.AUTHORIZATION);
        if (header != null && header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            tokens.authenticate(header.substring(BEARER.length()).strip()).ifPresent(username -> {
                SecurityContext context = contexts.createEmptyContext();
                context.setAuthentication(UsernamePasswordAuthenticationToken.authenticated(username, null, List.of()));
                contexts.setContext(context);
                repository.saveContext(context, request, response);
            });
        }
        chain.doFilter(request, response);
    }

    /** Streamed answers (server-sent events) end in an async dispatch, which must be authenticated again. */
    @Override
    protected boolean shouldNotFilterAsyncDispatch() {
        return false;
    }
}
