package io.tuneforge.web.fault;

import io.tuneforge.web.TuneForgeApplication;
import io.tuneforge.core.testing.TestDatabaseInitializer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.Ordered;
import org.springframework.core.env.MapPropertySource;

/**
 * The platform web application ({@link TuneForgeApplication}) started in its own JVM from the test classpath by
 * {@link WebAppKillTest}, so that it can be killed with SIGKILL. Arguments are {@code key=value} settings; they take
 * precedence over everything else. Core's test-database initializer is left out: it would start a database server and
 * choose a platform home of this process's own. Test code only.
 */
public final class WebAppProcessMain {

    /** Puts the given settings before every other property source. */
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
        SpringApplication app = new SpringApplicationBuilder(TuneForgeApplication.class).build();
        // without core's test initializer, which would start a database server of its own that a SIGKILL orphans
        List<ApplicationContextInitializer<?>> initializers = new ArrayList<>(app.getInitializers());
        initializers.removeIf(TestDatabaseInitializer.class::isInstance);
        initializers.add(new Settings(properties));
        app.setInitializers(initializers);
        app.run();
        System.out.println("WEB APP STARTED");
    }
}
