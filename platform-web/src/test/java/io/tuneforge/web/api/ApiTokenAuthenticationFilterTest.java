package io.tuneforge.web.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContext;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.core.context.SecurityContextHolderStrategy;
import org.springframework.security.core.context.SecurityContextImpl;

/**
 * The token filter authenticates through the {@link SecurityContextHolderStrategy} it is given (its chain's); where the
 * static {@link SecurityContextHolder} is configured with another strategy (a second application context in the JVM),
 * that one holds the authentication for the request only.
 */
class ApiTokenAuthenticationFilterTest {

    private static final String TOKEN = "tf_" + "a".repeat(40);

    /** A strategy of its own, as a test or an application would configure: not the static holder's. */
    private final SecurityContextHolderStrategy contexts = newStrategy();
    private final ApiTokenAuthenticationFilter filter = new ApiTokenAuthenticationFilter(
            token -> token.equals(TOKEN) ? Optional.of("alice") : Optional.empty(), () -> contexts);

    @AfterEach
    void clear() {
        SecurityContextHolder.clearContext();
        contexts.clearContext();
    }

    @Test
    void aValidTokenAuthenticatesThroughTheGivenStrategyAndTheHolderOnlyForTheRequest() throws Exception {
        MockHttpServletRequest request = bearer(TOKEN);
        AtomicReference<Authentication> seenByChain = new AtomicReference<>();
        AtomicReference<Authentication> seenByStaticHolder = new AtomicReference<>();

        filter.doFilter(request, new MockHttpServletResponse(), (req, res) -> {
            seenByChain.set(contexts.getContext().getAuthentication());
            seenByStaticHolder.set(SecurityContextHolder.getContext().getAuthentication());
        });

        assertThat(seenByChain.get()).isNotNull();
        assertThat(seenByChain.get().getName()).isEqualTo("alice");
        assertThat(seenByChain.get().isAuthenticated()).isTrue();
        // another strategy is configured globally (as when a second application context started in the JVM): it
        // sees the request's authentication too, and keeps none of it afterwards
        assertThat(seenByStaticHolder.get().getName()).isEqualTo("alice");
        assertThat(SecurityContextHolder.getContext().getAuthentication()).isNull();
    }

    @Test
    void anUnknownTokenOrOtherSchemeLeavesTheRequestAnonymous() throws Exception {
        for (MockHttpServletRequest request : new MockHttpServletRequest[] {bearer("tf_wrong"), basic()}) {
            AtomicReference<Authentication> seen = new AtomicReference<>();
            filter.doFilter(request, new MockHttpServletResponse(),
                    (req, res) -> seen.set(contexts.getContext().getAuthentication()));

            assertThat(seen.get()).isNull();
        }
    }

    private static MockHttpServletRequest bearer(String token) {
        MockHttpServletRequest request = new MockHttpServletRequest("GET", "/api/v1/models");
        request.addHeader("Authorization", "Bearer " + token);
        return request;
    }

    private static MockHttpServletRequest basic() {
        MockHttpServletRequest request = new MockHttpServletRequest("GET", "/api/v1/models");
        request.addHeader("Authorization", "Basic YWxpY2U6c2VjcmV0");
        return request;
    }

    /** A strategy holding one context for this test (one thread). */
    private static SecurityContextHolderStrategy newStrategy() {
        return new SecurityContextHolderStrategy() {
            private SecurityContext context;

            @Override
            public void clearContext() {
                context = null;
            }

            @Override
            public SecurityContext getContext() {
                if (context == null) {
                    context = createEmptyContext();
                }
                return context;
            }

            @Override
            public void setContext(SecurityContext context) {
                this.context = context;
            }

            @Override
            public SecurityContext createEmptyContext() {
                return new SecurityContextImpl();
            }
        };
    }
}
