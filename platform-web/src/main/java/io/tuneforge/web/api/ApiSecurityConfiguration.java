package io.tuneforge.web.api;

import jakarta.servlet.http.HttpServletResponse;
import java.net.URI;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.core.context.SecurityContextHolderStrategy;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.authentication.AnonymousAuthenticationFilter;
import tools.jackson.databind.json.JsonMapper;

/**
 * The API's own security chain, ahead of the UI's form login: {@code /api/**} is stateless, authenticated by personal
 * tokens only, without CSRF (no cookies), and answers 401/403 as problem details. The OpenAPI document and Swagger UI
 * are public so that clients can be generated before a token exists. The one exception to tokens only: artifact
 * downloads also accept the signed-in browser's session ({@link BrowserDownloadSessionFilter}), for the job page's links.
 */
@Configuration(proxyBeanMethods = false)
class ApiSecurityConfiguration {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** This chain's strategy: the application's bean if it has one, else the one configured while it is built. */
    private static java.util.function.Supplier<SecurityContextHolderStrategy> chainStrategy(
            ObjectProvider<SecurityContextHolderStrategy> strategies) {
        SecurityContextHolderStrategy strategy = strategies.getIfUnique(SecurityContextHolder::getContextHolderStrategy);
        return () -> strategy;
    }

    @Bean
    @Order(1)
    SecurityFilterChain apiSecurity(HttpSecurity http, ApiTokenService tokens,
            ObjectProvider<SecurityContextHolderStrategy> strategies) throws Exception {
        http.securityMatcher("/api/**", "/v3/api-docs/**", "/swagger-ui/**", "/swagger-ui.html")
                .authorizeHttpRequests(auth -> auth
                        .requestMatchers("/v3/api-docs/**", "/swagger-ui/**", "/swagger-ui.html").permitAll()
                        .anyRequest().authenticated())
                .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                .csrf(csrf -> csrf.disable())
                .requestCache(cache -> cache.disable())
                // the strategy the chain's other filters took when it was built, not the global one of the moment:
                // another application context started in the same JVM (tests) replaces the global strategy
                .addFilterBefore(new ApiTokenAuthenticationFilter(tokens::authenticate, chainStrategy(strategies)),
                        AnonymousAuthenticationFilter.class)
                // a token authenticates every request; the browser's session only artifact downloads
                .addFilterBefore(new BrowserDownloadSessionFilter(chainStrategy(strategies)),
                        AnonymousAuthenticationFilter.class)
                .exceptionHandling(e -> e
                        .authenticationEntryPoint((request, response, ex) -> problem(response, HttpStatus.UNAUTHORIZED,
                                "Send a personal API token: Authorization: Bearer tf_... (create one in the web UI)"))
                        .accessDeniedHandler((request, response, ex) -> problem(response, HttpStatus.FORBIDDEN,
                                "Your account may not do this")));
        return http.build();
    }

    private static void problem(HttpServletResponse response, HttpStatus status, String detail)
            throws java.io.IOException {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
        problem.setType(URI.create("https://tuneforge.dev/problems/" + (status == HttpStatus.UNAUTHORIZED
                ? "unauthenticated" : "forbidden")));
        response.setStatus(status.value());
        response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
        if (status == HttpStatus.UNAUTHORIZED) {
            response.setHeader("WWW-Authenticate", "Bearer");
        }
        JSON.writeValue(response.getOutputStream(), java.util.Map.of("type", problem.getType().toString(),
                "title", status.getReasonPhrase(), "status", status.value(), "detail", detail));
    }
}
