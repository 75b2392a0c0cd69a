package io.tuneforge.core.dataset;

import io.tuneforge.core.CoreTestApplication;
import io.tuneforge.core.user.Actor;
import io.tuneforge.core.user.Role;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.Ordered;
import org.springframework.core.env.MapPropertySource;

/**
 * A real platform process that receives uploads, for kill -9 tests: core's Spring context (with the start-up sweep of
 * upload leftovers) on the parent test's database and a given platform home. Arguments: JDBC URL, user, password,
 * home, mode, then for {@code upload} the user id, team id and dataset name. Modes:
 * <ul>
 *   <li>{@code start}: starts (which sweeps leftovers), prints {@code STARTED} and exits;</li>
 *   <li>{@code upload}: stores {@code first.jsonl} as version 1 of the dataset; then receives an endless upload on one
 *       thread, and, once the file {@code <home>/go} exists, stores {@code second.jsonl} on another; it waits to be
 *       killed.</li>
 * </ul>
 * Test code only.
 */
public final class UploadProcessMain {

    /** A valid alpaca row. */
    static final String ROW = "{\"instruction\": \"Say hi\", \"output\": \"Hi!\"}\n";

    /** Restores the parent's database after core's test initializer pointed this process at one of its own. */
    private record OverrideTestDatabase(Map<String, Object> properties)
            implements ApplicationContextInitializer<ConfigurableApplicationContext>, Ordered {

        @Override
        public void initialize(ConfigurableApplicationContext context) {
            context.getEnvironment().getPropertySources().addFirst(new MapPropertySource("uploadProcess", properties));
        }

        @Override
        public int getOrder() {
            return Ordered.LOWEST_PRECEDENCE;
        }
    }

    private UploadProcessMain() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, Object> properties = new HashMap<>(Map.of(
                "spring.datasource.url", args[0],
                "spring.datasource.username", args[1],
                "spring.datasource.password", args[2],
                "tuneforge.home", args[3],
                "tuneforge.queue.reaper.enabled", "false",
                "tuneforge.webhooks.sender.enabled", "false",
                "spring.main.banner-mode", "off"));
        ConfigurableApplicationContext context = new SpringApplicationBuilder(CoreTestApplication.class)
                .web(WebApplicationType.NONE).properties(properties)
                .initializers(new OverrideTestDatabase(properties)).run();
        if (args[4].equals("start")) {
            System.out.println("STARTED");
            context.close();
            System.exit(0);
        }
        DatasetService datasets = context.getBean(DatasetService.class);
        Actor actor = new Actor(Long.parseLong(args[5]), "uploader", Long.parseLong(args[6]), Role.MEMBER);
        String name = args[7];
        Path home = Path.of(args[3]);
        datasets.upload(actor, name, "first.jsonl", text(ROW.repeat(3)), Optional.empty());
        System.out.println("STORED first.jsonl");
        Thread.ofPlatform().daemon().start(() -> datasets.upload(actor, name, "endless.jsonl", endless(),
                Optional.empty()));
        while (!Files.exists(home.resolve("go"))) {
            Thread.sleep(50);
        }
        datasets.upload(actor, name, "second.jsonl", text(ROW.repeat(5)), Optional.empty());
        System.out.println("STORED second.jsonl (not expected: the test kills this process before)");
        Thread.currentThread().join();
    }

    private static InputStream text(String s) {
        return new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8));
    }

    /** Valid rows, 64 KB at a time every 20 ms, for ever: an upload still being received when the process dies. */
    private static InputStream endless() {
        byte[] chunk = ROW.repeat(64 * 1024 / ROW.length()).getBytes(StandardCharsets.UTF_8);
        return new InputStream() {
            private int position = chunk.length;

            @Override
            public int read() {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] buffer, int offset, int length) {
                if (position == chunk.length) {
                    try {
                        Thread.sleep(20);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return -1;
                    }
                    position = 0;
                }
                int n = Math.min(length, chunk.length - position);
                System.arraycopy(chunk, position, buffer, offset, n);
                position += n;
                return n;
            }
        };
    }
}
