package io.tuneforge.web.api;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.security.SecurityRequirement;
import io.swagger.v3.oas.annotations.tags.Tag;
import io.tuneforge.core.admin.AdminService;
import io.tuneforge.core.user.Role;
import io.tuneforge.web.api.AdminDtos.CreateTokenRequest;
import io.tuneforge.web.api.AdminDtos.CreateUserRequest;
import io.tuneforge.web.api.AdminDtos.TokenDto;
import io.tuneforge.web.api.AdminDtos.UpdateUserRequest;
import io.tuneforge.web.api.AdminDtos.UserDto;
import io.tuneforge.web.api.ApiDtos.ListResponse;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PatchMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/** {@code /api/v1/users}: accounts, roles and API tokens, for administrators' scripts. */
@RestController
@RequestMapping("/api/v1/users")
@Tag(name = "Administration")
@SecurityRequirement(name = "bearer")
class UsersController {

    private final AdminService admin;
    private final ApiTokenService tokens;
    private final ApiCaller caller;

    UsersController(AdminService admin, ApiTokenService tokens, ApiCaller caller) {
        this.admin = admin;
        this.tokens = tokens;
        this.caller = caller;
    }

    @PostMapping
    @ResponseStatus(HttpStatus.CREATED)
    @Operation(summary = "Create a user in an existing team (administrators only)")
    UserDto create(@RequestBody CreateUserRequest request) {
        Role role = request.role() == null ? Role.MEMBER : AdminDtos.role(request.role());
        return UserDto.of(admin.createUser(caller.get(), request.username(), request.displayName(),
                request.password(), role, InvalidFieldException.required(request.team(), "team",
                        "the name of an existing team")));
    }

    @GetMapping
    @Operation(summary = "Every user with role and team (administrators only)")
    ListResponse<UserDto> list() {
        return ListResponse.of(admin.users(caller.get()).stream().map(UserDto::of).toList(), false);
    }

    @PatchMapping("/{id}")
    @Operation(summary = "Change a user's role (administrators only; nobody can demote themself)")
    UserDto update(@PathVariable long id, @RequestBody UpdateUserRequest request) {
        return UserDto.of(admin.changeRole(caller.get(), id, AdminDtos.role(request.role())));
    }

    @PostMapping("/{id}/tokens")
    @ResponseStatus(HttpStatus.CREATED)
    @Operation(summary = "Create an API token for the user (administrators only); the secret is shown this once")
    TokenDto createToken(@PathVariable long id, @RequestBody CreateTokenRequest request) {
        return TokenDto.of(id, tokens.createFor(caller.get(), id, request.name()));
    }
}
