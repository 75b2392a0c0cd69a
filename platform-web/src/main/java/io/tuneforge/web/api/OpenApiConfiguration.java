package io.tuneforge.web.api;

import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.security.SecurityScheme;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The OpenAPI document ({@code /v3/api-docs}) and Swagger UI ({@code /swagger-ui.html}) of {@code /api/v1}. */
@Configuration(proxyBeanMethods = false)
class OpenApiConfiguration {

    @Bean
    OpenAPI tuneForgeOpenApi() {
        return new OpenAPI()
                .info(new Info().title("TuneForge API").version("v1")
                        .description("Fine-tuning jobs, training files and models, shaped like OpenAI's fine-tuning "
                                + "API. Authenticate with a personal token: Authorization: Bearer tf_..."))
                .components(new Components().addSecuritySchemes("bearer", new SecurityScheme()
                        .type(SecurityScheme.Type.HTTP).scheme("bearer").bearerFormat("tf_ personal token")));
    }
}
