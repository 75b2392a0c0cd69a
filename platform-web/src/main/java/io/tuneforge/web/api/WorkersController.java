package io.tuneforge.web.api;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.security.SecurityRequirement;
import io.swagger.v3.oas.annotations.tags.Tag;
import io.tuneforge.core.admin.AdminService;
import io.tuneforge.core.worker.Worker;
import io.tuneforge.web.api.AdminDtos.WorkerDto;
import io.tuneforge.web.api.ApiDtos.ListResponse;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code /api/v1/workers}: the registered workers and their availability, as the Admin page shows and changes them
 * ({@link AdminService#setWorkerStatus}). Every action answers the worker list, so a script sees the result.
 */
@RestController
@RequestMapping("/api/v1/workers")
@Tag(name = "Administration")
@SecurityRequirement(name = "bearer")
class WorkersController {

    private final AdminService admin;
    private final ApiCaller caller;

    WorkersController(AdminService admin, ApiCaller caller) {
        this.admin = admin;
        this.caller = caller;
    }

    @GetMapping
    @Operation(summary = "Workers with status (online, draining, paused, offline), devices and running jobs "
            + "(administrators only)")
    ListResponse<WorkerDto> list() {
        return ListResponse.of(admin.workers(caller.get()).stream().map(WorkerDto::of).toList(), false);
    }

    @PostMapping("/{id}/pause")
    @Operation(summary = "Pause a worker: it takes no new jobs (administrators only)")
    WorkerDto pause(@PathVariable long id) {
        return change(id, Worker.Status.PAUSED);
    }

    @PostMapping("/{id}/drain")
    @Operation(summary = "Drain a worker: it finishes its running jobs and takes no new ones (administrators only)")
    WorkerDto drain(@PathVariable long id) {
        return change(id, Worker.Status.DRAINING);
    }

    @PostMapping("/{id}/resume")
    @Operation(summary = "Put a paused or draining worker back online (administrators only)")
    WorkerDto resume(@PathVariable long id) {
        return change(id, Worker.Status.ONLINE);
    }

    private WorkerDto change(long id, Worker.Status status) {
        return WorkerDto.of(admin.setWorkerStatus(caller.get(), id, status));
    }
}
