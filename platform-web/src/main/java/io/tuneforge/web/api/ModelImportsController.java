package io.tuneforge.web.api;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.security.SecurityRequirement;
import io.swagger.v3.oas.annotations.tags.Tag;
import io.tuneforge.core.model.HubImportRequest;
import io.tuneforge.core.model.HubImports;
import io.tuneforge.web.api.ApiDtos.CreateImportRequest;
import io.tuneforge.web.api.ApiDtos.ListResponse;
import io.tuneforge.web.api.ApiDtos.ModelImport;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code /api/v1/models/imports}: imports base models from the Hugging Face Hub ({@code HF_ENDPOINT}) in the
 * background, as the Models page does; poll an import until it has succeeded (its model is then listed by
 * {@code GET /models}), failed or been cancelled.
 */
@RestController
@RequestMapping("/api/v1/models/imports")
@Tag(name = "Models")
@SecurityRequirement(name = "bearer")
class ModelImportsController {

    private final HubImports imports;
    private final ApiCaller caller;

    ModelImportsController(HubImports imports, ApiCaller caller) {
        this.imports = imports;
        this.caller = caller;
    }

    @PostMapping
    @ResponseStatus(HttpStatus.ACCEPTED)
    @Operation(summary = "Start importing a model repository from the Hugging Face Hub (config, tokenizer, safetensors)")
    ModelImport create(@RequestBody CreateImportRequest body) {
        HubImportRequest request = new HubImportRequest(body.repoId(), body.revision(), body.name());
        return ModelImport.of(imports.start(caller.get(), request));
    }

    @GetMapping
    @Operation(summary = "The team's imports of the last day, newest first")
    ListResponse<ModelImport> list() {
        return ListResponse.of(imports.list(caller.get()).stream().map(ModelImport::of).toList(), false);
    }

    @GetMapping("/{id}")
    @Operation(summary = "One import: status (running, succeeded, failed, cancelled), progress, model or error")
    ModelImport get(@PathVariable String id) {
        return ModelImport.of(imports.get(caller.get(), id));
    }

    @PostMapping("/{id}/cancel")
    @Operation(summary = "Cancel a running import; nothing it downloaded is kept")
    ModelImport cancel(@PathVariable String id) {
        return ModelImport.of(imports.cancel(caller.get(), id));
    }
}
