package io.tuneforge.core;

import org.springframework.boot.autoconfigure.SpringBootApplication;

/** The Spring Boot configuration core's own tests start: everything under io.tuneforge.core. */
@SpringBootApplication
public class CoreTestApplication {
}
