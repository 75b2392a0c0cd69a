package io.tuneforge.web.api;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.http.HttpMethod;
import org.springframework.security.core.context.DeferredSecurityContext;
import org.springframework.security.core.context.SecurityContext;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.web.context.HttpRequestResponseHolder;
import org.springframework.security.web.context.HttpSessionSecurityContextRepository;
import org.springframework.security.web.context.SecurityContextRepository;
import org.springframework.security.web.servlet.util.matcher.PathPatternRequestMatcher;
import org.springframework.security.web.util.matcher.RequestMatcher;

/**
 * Lets the signed-in browser fetch artifact content ({@code GET .../artifacts/{name}/content}) with its session, so
 * the job page links to the same stable URLs that scripts use with a token. Only that read-only download reads the
 * session; it never writes one, and every other API request stays token-only and stateless. A cross-site page can
 * start such a download but not read it (no CORS), and a GET changes nothing.
 */
final class BrowserDownloadSessions implements SecurityContextRepository {

    private static final RequestMatcher DOWNLOADS = PathPatternRequestMatcher.withDefaults()
            .matcher(HttpMethod.GET, "/api/v1/fine_tuning/jobs/*/artifacts/*/content");

    private final HttpSessionSecurityContextRepository sessions = new HttpSessionSecurityContextRepository();

    @Override
    public DeferredSecurityContext loadDeferredContext(HttpServletRequest request) {
        if (DOWNLOADS.matches(request)) {
            return sessions.loadDeferredContext(request);
        }
        return new DeferredSecurityContext() {
            @Override
            public SecurityContext get() {
                return SecurityContextHolder.getContextHolderStrategy().createEmptyContext();
            }

            @Override
            public boolean isGenerated() {
                return true;
            }
        };
    }

    @Override
    @Deprecated
    public SecurityContext loadContext(HttpRequestResponseHolder holder) {
        return loadDeferredContext(holder.getRequest()).get();
    }

    @Override
    public void saveContext(SecurityContext context, HttpServletRequest request, HttpServletResponse response) {
        // never: the API creates no sessions
    }

    @Override
    public boolean containsContext(HttpServletRequest request) {
        return DOWNLOADS.matches(request) && sessions.containsContext(request);
    }
}
