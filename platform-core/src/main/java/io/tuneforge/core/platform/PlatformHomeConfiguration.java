package io.tuneforge.core.platform;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration(proxyBeanMethods = false)
class PlatformHomeConfiguration {

    @Bean
    PlatformHome platformHome(@Value("${tuneforge.home:${TUNEFORGE_HOME:~/.tuneforge}}") String home) {
        return PlatformHome.of(home);
    }
}
