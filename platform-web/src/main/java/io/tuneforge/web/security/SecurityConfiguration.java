package io.tuneforge.web.security;

import com.vaadin.flow.spring.security.VaadinSecurityConfigurer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.config.annotation.method.configuration.EnableMethodSecurity;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configuration.EnableWebSecurity;
import org.springframework.security.config.annotation.web.configurers.AuthorizeHttpRequestsConfigurer;
import org.springframework.security.web.SecurityFilterChain;

/**
 * Form login for the UI (Vaadin's login view), health open to probes, static chart scripts open. Views are guarded by
 * Vaadin's navigation access control ({@code @PermitAll}, {@code @RolesAllowed}): a guest opening one is sent to the
 * login page. Any other address goes on to the Vaadin servlet, which answers with the app's own "not found" page
 * (404) instead of Vaadin's default {@code denyAll}, whose bare 403 is what a typo in the address used to show.
 * The REST API has its own chain ({@code ApiSecurityConfiguration}); this chain serves no controllers.
 */
@Configuration
@EnableWebSecurity
@EnableMethodSecurity
class SecurityConfiguration {

    @Bean
    SecurityFilterChain uiSecurity(HttpSecurity http) throws Exception {
        http.authorizeHttpRequests(auth -> auth.requestMatchers("/actuator/health", "/actuator/health/**")
                .permitAll()
                // the other actuator endpoints stay for signed-in users (any other address is left to the router)
                .requestMatchers("/actuator/**").authenticated()
                // static JavaScript the views load as modules (the chart connector and uPlot from its webjar)
                .requestMatchers("/chart/**", "/webjars/**").permitAll());
        http.with(VaadinSecurityConfigurer.vaadin(), vaadin -> vaadin.loginView(LoginView.class)
                .anyRequest(AuthorizeHttpRequestsConfigurer.AuthorizedUrl::permitAll));
        return http.build();
    }
}
