package io.tuneforge.web.security;

import com.vaadin.flow.spring.security.VaadinSecurityConfigurer;
import java.time.Duration;
import org.springframework.context.annotation.Bean;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.config.annotation.method.configuration.EnableMethodSecurity;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configuration.EnableWebSecurity;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.config.annotation.web.configurers.AuthorizeHttpRequestsConfigurer;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.authentication.rememberme.TokenBasedRememberMeServices;

/**
 * Form login for the UI (Vaadin's login view), health open to probes, static chart scripts open. Views are guarded by
 * Vaadin's navigation access control ({@code @PermitAll}, {@code @RolesAllowed}): a guest opening one is sent to the
 * login page. Any other address goes on to the Vaadin servlet, which answers with the app's own "not found" page
 * (404) instead of Vaadin's default {@code denyAll}, whose bare 403 is what a typo in the address used to show.
 * The REST API has its own chain ({@code ApiSecurityConfiguration}); this chain serves no controllers. Every sign-in
 * is remembered by a signed cookie ({@link RememberMeKey}, valid {@value #REMEMBER_DAYS} days), so a restart of the
 * app (which loses the in-memory HTTP sessions) keeps every browser signed in; signing out forgets it (DD025).
 */
@Configuration
@EnableWebSecurity
@EnableMethodSecurity
class SecurityConfiguration {

    /** How long a sign-in is remembered across restarts without a visit. */
    static final int REMEMBER_DAYS = 14;

    @Bean
    TokenBasedRememberMeServices rememberMeServices(JdbcTemplate jdbc, UserDetailsService users) {
        TokenBasedRememberMeServices services = new TokenBasedRememberMeServices(RememberMeKey.load(jdbc), users);
        services.setAlwaysRemember(true);
        services.setTokenValiditySeconds((int) Duration.ofDays(REMEMBER_DAYS).toSeconds());
        return services;
    }

    @Bean
    SecurityFilterChain uiSecurity(HttpSecurity http, TokenBasedRememberMeServices rememberMe) throws Exception {
        http.authorizeHttpRequests(auth -> auth.requestMatchers("/actuator/health", "/actuator/health/**")
                .permitAll()
                // the other actuator endpoints stay for signed-in users (any other address is left to the router)
                .requestMatchers("/actuator/**").authenticated()
                // static JavaScript the views load as modules (the chart connector and uPlot from its webjar)
                .requestMatchers("/chart/**", "/webjars/**").permitAll());
        http.rememberMe(remember -> remember.rememberMeServices(rememberMe).key(rememberMe.getKey()));
        http.with(VaadinSecurityConfigurer.vaadin(), vaadin -> vaadin.loginView(LoginView.class)
                .anyRequest(AuthorizeHttpRequestsConfigurer.AuthorizedUrl::permitAll));
        return http.build();
    }
}
