package io.tuneforge.web.api;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.security.SecurityRequirement;
import io.swagger.v3.oas.annotations.tags.Tag;
import io.tuneforge.core.model.BaseModelService;
import io.tuneforge.web.api.ApiDtos.ListResponse;
import io.tuneforge.web.api.AdminDtos.RegisterModelRequest;
import io.tuneforge.web.api.ApiDtos.Model;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.ResponseStatus;
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

    @PostMapping
    @ResponseStatus(HttpStatus.CREATED)
    @Operation(summary = "Register a server folder (under an allowed root) as a base model shared with every team, "
            + "as the Models page does (administrators only)")
    Model register(@RequestBody RegisterModelRequest request) {
        return Model.of(models.register(caller.get(), InvalidFieldException.required(request.name(), "name",
                "a unique model name"), InvalidFieldException.required(request.path(), "path",
                "a server folder under an allowed root"), true));
    }
}
