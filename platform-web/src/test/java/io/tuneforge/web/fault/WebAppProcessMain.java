package io.tuneforge.web.fault;

import io.tuneforge.web.TuneForgeApplication;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.Ordered;
import org.springframework.core.env.MapPropertySource;

/**
 * The platform web application ({@link TuneForgeApplication}) started in its own JVM from the test classpath by
 * {@link WebAppKillTest}, so that it can be killed with SIGKILL. Arguments are {@code key=value} settings; they take
 * precedence over everything else, core's test-database initializer included (which would otherwise point this process
 * at a database and platform home of its own). Test code only.
 */
public final class WebAppProcessMain {

    /** Puts the given settings first, after core's test initializer has added its own. */
    private record Settings(Map<String, Object> properties)
            implements ApplicationContextInitializer<ConfigurableApplicationContext>, Ordered {

        @Override
        public void initialize(ConfigurableApplicationContext context) {
            context.getEnvironment().getPropertySources().addFirst(new MapPropertySource("webAppProcess", properties));
        }

        @Override
        public int getOrder() {
            return Ordered.LOWEST_PRECEDENCE;
        }
    }

    private WebAppProcessMain() {
    }

    public static void main(String[] args) {
        Map<String, Object> properties = new LinkedHashMap<>();
        for (String arg : args) {
            int equals = arg.indexOf('=');
            if (equals < 1) {
                throw new IllegalArgumentException("expected key=value, got '" + arg + "'");
            }
            properties.put(arg.substring(0, equals), arg.substring(equals + 1));
        }
        new SpringApplicationBuilder(TuneForgeApplication.class).initializers(new Settings(properties)).run();
        System.out.println("WEB APP STARTED");
    }
}
