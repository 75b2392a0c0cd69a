package io.tuneforge.web.api;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import java.io.IOException;
import java.util.function.Supplier;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContext;
import org.springframework.security.core.context.SecurityContextHolderStrategy;
import org.springframework.security.web.context.HttpSessionSecurityContextRepository;
import org.springframework.security.web.servlet.util.matcher.PathPatternRequestMatcher;
import org.springframework.security.web.util.matcher.RequestMatcher;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Lets the signed-in browser fetch artifact content ({@code GET .../artifacts/{name}/content}) with its web session,
 * so the job page links to the same stable URLs that scripts fetch with a token. Only that read-only download reads
 * the session (never creating or changing one); every other API request stays token-only and stateless. A
 * cross-site page can start such a download but not read it (no CORS), and a GET changes nothing.
 */
final class BrowserDownloadSessionFilter extends OncePerRequestFilter {

    private static final RequestMatcher DOWNLOADS = PathPatternRequestMatcher.withDefaults()
            .matcher(HttpMethod.GET, "/api/v1/fine_tuning/jobs/*/artifacts/*/content");

    private final Supplier<SecurityContextHolderStrategy> contexts;

    /** @param contexts the security context strategy of the filter's chain */
    BrowserDownloadSessionFilter(Supplier<SecurityContextHolderStrategy> contexts) {
        this.contexts = contexts;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        HttpSession session = request.getSession(false);
        if (session != null && request.getHeader(HttpHeaders.AUTHORIZATION) == null && DOWNLOADS.matches(request)
                && session.getAttribute(HttpSessionSecurityContextRepository.SPRING_SECURITY_CONTEXT_KEY)
                instanceof SecurityContext signedIn) {
            Authentication user = signedIn.getAuthentication();
            if (user != null && user.isAuthenticated()) {
                RequestAuthentication.continueAs(user, contexts.get(), chain, request, response);
                return;
            }
        }
        chain.doFilter(request, response);
    }
}
