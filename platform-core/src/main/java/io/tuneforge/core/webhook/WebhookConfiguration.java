package io.tuneforge.core.webhook;

import java.net.InetAddress;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The one home of the webhook settings and the resolver. */
@Configuration
class WebhookConfiguration {

    @Bean
    WebhookSettings webhookSettings(
            @Value("${tuneforge.webhooks.allowed-hosts:${TUNEFORGE_WEBHOOK_ALLOWED_HOSTS:}}") String allowedHosts,
            @Value("${tuneforge.webhooks.initial-backoff:10s}") Duration initialBackoff,
            @Value("${tuneforge.webhooks.max-backoff:1h}") Duration maxBackoff,
            @Value("${tuneforge.webhooks.retry-for:48h}") Duration retryFor,
            @Value("${tuneforge.webhooks.poll-interval:1s}") Duration pollInterval,
            @Value("${tuneforge.webhooks.connect-timeout:5s}") Duration connectTimeout,
            @Value("${tuneforge.webhooks.read-timeout:10s}") Duration readTimeout,
            @Value("${tuneforge.webhooks.sender.enabled:true}") boolean senderEnabled) {
        List<String> hosts = Arrays.stream(allowedHosts.split(",")).map(String::strip).filter(s -> !s.isEmpty())
                .toList();
        return new WebhookSettings(hosts, initialBackoff, maxBackoff, retryFor, pollInterval, connectTimeout,
                readTimeout, senderEnabled);
    }

    @Bean
    @ConditionalOnMissingBean
    HostResolver hostResolver() {
        return InetAddress::getAllByName;
    }
}
