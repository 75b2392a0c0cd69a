package io.tuneforge.web.api;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import tools.jackson.core.JsonParser;
import tools.jackson.databind.DeserializationContext;
import tools.jackson.databind.JacksonModule;
import tools.jackson.databind.deser.jdk.StringDeserializer;
import tools.jackson.databind.exc.MismatchedInputException;
import tools.jackson.databind.module.SimpleModule;

/**
 * Text read from a JSON body may not contain NUL (U+0000): PostgreSQL cannot store it, so it would fail deep
 * in a save as a 500. Refused while reading instead, the problem names the field (see {@link ApiProblems}).
 */
@Configuration(proxyBeanMethods = false)
class NulFreeStrings {

    @Bean
    JacksonModule nulFreeStringsModule() {
        return new SimpleModule("nul-free-strings").addDeserializer(String.class, new Deserializer());
    }

    /** Jackson's own string reading, then the NUL check. */
    static final class Deserializer extends StringDeserializer {

        @Override
        public String deserialize(JsonParser parser, DeserializationContext context) {
            String text = super.deserialize(parser, context);
            if (text != null && text.indexOf('\u0000') >= 0) {
                throw MismatchedInputException.from(parser, String.class,
                        "text may not contain NUL (\\u0000) characters");
            }
            return text;
        }
    }
}
