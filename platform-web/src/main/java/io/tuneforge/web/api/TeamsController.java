package io.tuneforge.web.api;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.security.SecurityRequirement;
import io.swagger.v3.oas.annotations.tags.Tag;
import io.tuneforge.core.admin.AdminService;
import io.tuneforge.web.api.AdminDtos.CreateTeamRequest;
import io.tuneforge.web.api.AdminDtos.TeamDto;
import io.tuneforge.web.api.AdminDtos.UpdateTeamRequest;
import io.tuneforge.web.api.ApiDtos.ListResponse;
import java.util.Optional;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PatchMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/** {@code /api/v1/teams}: teams and their device quotas, for administrators' scripts ({@link AdminService}). */
@RestController
@RequestMapping("/api/v1/teams")
@Tag(name = "Administration")
@SecurityRequirement(name = "bearer")
class TeamsController {

    private final AdminService admin;
    private final ApiCaller caller;

    TeamsController(AdminService admin, ApiCaller caller) {
        this.admin = admin;
        this.caller = caller;
    }

    @PostMapping
    @ResponseStatus(HttpStatus.CREATED)
    @Operation(summary = "Create a team (administrators only)")
    TeamDto create(@RequestBody CreateTeamRequest request) {
        return TeamDto.of(admin.createTeam(caller.get(), request.name(),
                Optional.ofNullable(request.deviceQuota()).orElse(1)));
    }

    @GetMapping
    @Operation(summary = "Every team with its device quota and member count (administrators only)")
    ListResponse<TeamDto> list() {
        return ListResponse.of(admin.teams(caller.get()).stream().map(TeamDto::of).toList(), false);
    }

    @PatchMapping("/{id}")
    @Operation(summary = "Change a team's device quota (administrators only)")
    TeamDto update(@PathVariable long id, @RequestBody UpdateTeamRequest request) {
        return TeamDto.of(admin.changeQuota(caller.get(), id, InvalidFieldException.required(request.deviceQuota(),
                "device_quota", "the devices the team's running jobs may hold at once, 0-1024")));
    }
}
