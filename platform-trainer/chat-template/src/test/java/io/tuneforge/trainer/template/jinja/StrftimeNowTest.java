package io.tuneforge.trainer.template.jinja;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code strftime_now} formats the render clock like Python's {@code datetime.now().strftime} (C locale). */
class StrftimeNowTest {

    @Test
    void formatsTheDirectivesChatTemplatesUse() {
        Clock clock = Clock.fixed(Instant.parse("2024-07-06T09:05:03Z"), ZoneOffset.UTC);
        String format = "%d %b %Y|%Y-%m-%d %H:%M:%S|%A %a %B %j %p %I %y|%-d %-m|%e|%F %T|%%|%u %w";
        String rendered = JinjaTemplate.compile("{{ strftime_now('" + format + "') }}", clock).render(Map.of());
        // expected text from Python: datetime(2024, 7, 6, 9, 5, 3).strftime(format)
        assertThat(rendered).isEqualTo("06 Jul 2024|2024-07-06 09:05:03|Saturday Sat July 188 AM 09 24|6 7| 6"
                + "|2024-07-06 09:05:03|%|6 6");
    }
}
