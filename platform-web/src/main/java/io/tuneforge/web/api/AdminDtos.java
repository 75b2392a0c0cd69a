package io.tuneforge.web.api;

import io.swagger.v3.oas.annotations.media.Schema;
import io.tuneforge.core.admin.AdminService.TeamLine;
import io.tuneforge.core.admin.AdminService.UserLine;
import io.tuneforge.core.admin.AdminService.WorkerLine;
import io.tuneforge.core.job.JobMonitorService.ArtifactLine;
import io.tuneforge.core.user.Role;
import java.util.List;
import java.util.Locale;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.annotation.JsonNaming;

/**
 * The automation API's shapes: teams, users, tokens, workers and job artifacts, as administrators' scripts send and
 * read them. Field names are snake_case like the rest of the API.
 */
final class AdminDtos {

    private AdminDtos() {
    }

    /** {@code POST /teams}. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record CreateTeamRequest(
            @Schema(description = "Unique team name, 1-100 characters", example = "research") String name,
            @Schema(description = "Devices the team's running jobs may hold at once (default 1)") Integer deviceQuota) {
    }

    /** {@code PATCH /teams/{id}}. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record UpdateTeamRequest(
            @Schema(description = "Devices the team's running jobs may hold at once, 0-1024", example = "4")
            Integer deviceQuota) {
    }

    /** A team with its quota and size. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record TeamDto(long id, String object, String name, int deviceQuota, long members) {
        static TeamDto of(TeamLine t) {
            return new TeamDto(t.id(), "team", t.name(), t.maxConcurrentDevices(), t.members());
        }
    }

    /** {@code POST /users}. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record CreateUserRequest(
            @Schema(description = "Login name, 3-100 letters, digits, '.', '_', '@' or '-'", example = "alice")
            String username,
            @Schema(description = "Shown name (default: the username)") String displayName,
            @Schema(description = "At least 12 characters") String password,
            @Schema(description = "Name of an existing team", example = "research") String team,
            @Schema(description = "admin, member (default) or viewer") String role) {
    }

    /** {@code PATCH /users/{id}}. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record UpdateUserRequest(@Schema(description = "admin, member or viewer") String role) {
    }

    /** A user account. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record UserDto(long id, String object, String username, String displayName, String role, String team,
            boolean enabled) {
        static UserDto of(UserLine u) {
            return new UserDto(u.id(), "user", u.username(), u.displayName(), u.role().name().toLowerCase(Locale.ROOT),
                    u.team(), u.enabled());
        }
    }

    /** {@code POST /users/{id}/tokens}. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record CreateTokenRequest(@Schema(description = "What the token is for, 1-100 characters", example = "ci")
            String name) {
    }

    /** A new token; {@code token} is the secret, shown this once. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record TokenDto(long id, String object, String name, long user, String token) {
        static TokenDto of(long userId, ApiTokenService.CreatedToken t) {
            return new TokenDto(t.id(), "api_token", t.name(), userId, t.token());
        }
    }

    /** {@code POST /models}. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record RegisterModelRequest(
            @Schema(description = "Unique model name; jobs name it as 'model'", example = "qwen2.5-0.5b") String name,
            @Schema(description = "Server folder with config.json and safetensors, under an allowed root "
                    + "(TUNEFORGE_MODEL_ROOTS)", example = "/srv/tuneforge/models/Qwen2.5-0.5B") String path) {
    }

    /** A worker with its devices and load. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record WorkerDto(long id, String object, String name, String host, String status, Long lastHeartbeat,
            List<String> devices, long runningJobs) {
        static WorkerDto of(WorkerLine w) {
            return new WorkerDto(w.id(), "worker", w.name(), w.host(), w.status().name().toLowerCase(Locale.ROOT),
                    w.lastHeartbeat() == null ? null : w.lastHeartbeat().getEpochSecond(), w.devices(),
                    w.runningJobs());
        }
    }

    /** A job's downloadable result; fetch it from {@code content_url}. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record ArtifactDto(String name, String object, String kind, boolean folder, long bytes, String checksum,
            String contentUrl) {
        static ArtifactDto of(long jobId, ArtifactLine a) {
            return new ArtifactDto(a.name(), "fine_tuning.job.artifact", a.kind().name().toLowerCase(Locale.ROOT),
                    java.nio.file.Files.isDirectory(a.path()), a.sizeBytes(),
                    a.sha256().map(sha -> "sha256:" + sha).orElse(null),
                    "/api/v1/fine_tuning/jobs/" + jobId + "/artifacts/" + a.name() + "/content");
        }
    }

    /** The role named in a request: {@code admin}, {@code member} or {@code viewer}; else a 422 naming the field. */
    static Role role(String role) {
        String given = InvalidFieldException.required(role, "role", "one of admin, member, viewer");
        try {
            return Role.valueOf(given.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new InvalidFieldException("role", "'role' must be admin, member or viewer; got '" + role + "'");
        }
    }
}
