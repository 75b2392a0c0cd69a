package io.tuneforge.web;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

@SpringBootApplication(scanBasePackages = "io.tuneforge")
public class TuneForgeApplication {
    public static void main(String[] args) {
        SpringApplication.run(TuneForgeApplication.class, args);
    }
}
