package io.tuneforge.web.api;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.security.SecurityRequirement;
import io.swagger.v3.oas.annotations.tags.Tag;
import io.tuneforge.core.model.BaseModelService;
import io.tuneforge.web.api.ApiDtos.ListResponse;
import io.tuneforge.web.api.ApiDtos.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/** {@code /api/v1/models}: base models the caller may fine-tune (the team's own and shared ones). */
@RestController
@RequestMapping("/api/v1/models")
@Tag(name = "Models")
@SecurityRequirement(name = "bearer")
class ModelsController {

    private final BaseModelService models;
    private final ApiCaller caller;

    ModelsController(BaseModelService models, ApiCaller caller) {
        this.models = models;
        this.caller = caller;
    }

    @GetMapping
    @Operation(summary = "Base models; use a model's id (its name) as 'model' when creating a job")
    ListResponse<Model> list() {
        return ListResponse.of(models.list(caller.get()).stream().map(Model::of).toList(), false);
    }
}
