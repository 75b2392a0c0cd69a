package io.tuneforge.core.testing;

import io.tuneforge.core.user.Actor;
import io.tuneforge.core.user.Role;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Creates teams, users, models, datasets and jobs straight in the database for queue, worker and API tests of any
 * module. Names carry a random suffix so tests sharing a database never collide.
 */
public final class JobFixtures {

    /** A team with a member, a model and a valid dataset version to submit against. */
    public record TeamSetup(long teamId, long userId, long modelId, long datasetVersionId, String suffix) {

        /** The team's user acting with {@code role} (an administrator's or viewer's rights without another user). */
        public Actor as(Role role) {
            return new Actor(userId, "user-" + suffix, teamId, role);
        }
    }

    private final JdbcTemplate jdbc;

    public JobFixtures(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /** A stories-sized Llama {@code config.json} (h=64, 5 layers, vocab 512), for pre-flight estimates. */
    public static final String SMALL_CONFIG = """
            {"hidden_size": 64, "num_hidden_layers": 5, "intermediate_size": 172, "num_attention_heads": 8,
             "num_key_value_heads": 4, "vocab_size": 512, "tie_word_embeddings": true}
            """;

    /**
     * An empty queue with no worker online, and a team (quota 1) whose model is a small config in {@code modelDir}:
     * what submission and lifecycle tests start from.
     */
    public TeamSetup quietQueueWithTeam(Path modelDir) throws IOException {
        Files.writeString(modelDir.resolve("config.json"), SMALL_CONFIG);
        clearQueue();
        jdbc.update("update workers set status = 'offline'");
        return team(1, modelDir.toString());
    }

    /** A team with quota {@code maxDevices}, one member, a model at {@code modelPath}, a valid 100-row dataset. */
    public TeamSetup team(int maxDevices, String modelPath) {
        String s = UUID.randomUUID().toString().substring(0, 8);
        long team = jdbc.queryForObject("insert into teams (name, max_concurrent_devices) values (?, ?) returning id",
                Long.class, "team-" + s, maxDevices);
        long user = jdbc.queryForObject("insert into users (username, display_name, password_hash, role, team_id) "
                + "values (?, ?, '{noop}x', 'MEMBER', ?) returning id", Long.class, "user-" + s, "User " + s, team);
        long model = jdbc.queryForObject("insert into base_models (team_id, name, path, architecture, "
                + "parameter_count, dtype) values (?, ?, ?, 'LlamaForCausalLM', 260000, 'float32') returning id",
                Long.class, team, "model-" + s, modelPath);
        long dataset = jdbc.queryForObject("insert into datasets (team_id, name, created_by) values (?, ?, ?) "
                + "returning id", Long.class, team, "data-" + s, user);
        long version = jdbc.queryForObject("insert into dataset_versions (dataset_id, version, format, status, "
                + "row_count, created_by) values (?, 1, 'alpaca', 'valid', 100, ?) returning id", Long.class, dataset,
                user);
        return new TeamSetup(team, user, model, version, s);
    }

    /** Inserts a queued job directly (no events), as a submission would. */
    public long queuedJob(TeamSetup t, String name, int priority, int devices, String configJson) {
        return jdbc.queryForObject("""
                insert into fine_tuning_jobs (team_id, user_id, base_model_id, dataset_version_id, name, method,
                    config, status, priority, devices_requested, queued_at)
                values (?, ?, ?, ?, ?, 'lora', ?::jsonb, 'queued', ?, ?, clock_timestamp())
                returning id
                """, Long.class, t.teamId(), t.userId(), t.modelId(), t.datasetVersionId(), name, configJson,
                priority, devices);
    }

    /** Inserts a queued job with priority 0, one device and an empty configuration. */
    public long queuedJob(TeamSetup t, String name) {
        return queuedJob(t, name, 0, 1, "{}");
    }

    /** Ends every queued, running or paused job of earlier tests so that claims see only this test's jobs. */
    public void clearQueue() {
        jdbc.update("update fine_tuning_jobs set status = 'cancelled', lease_expires_at = null "
                + "where status in ('queued', 'running', 'paused')");
    }

    /** Sets a job's attempt limit. */
    public void maxAttempts(long jobId, int maxAttempts) {
        jdbc.update("update fine_tuning_jobs set max_attempts = ? where id = ?", maxAttempts, jobId);
    }

    /** Makes a running job's lease expire now, as if its worker died. */
    public void expireLease(long jobId) {
        jdbc.update("update fine_tuning_jobs set lease_expires_at = now() - interval '1 second' where id = ?", jobId);
    }

    /** A job's status as stored. */
    public String status(long jobId) {
        return jdbc.queryForObject("select status from fine_tuning_jobs where id = ?", String.class, jobId);
    }

    /** Event types of a job in order. */
    public java.util.List<String> eventTypes(long jobId) {
        return jdbc.queryForList("select type from job_events where job_id = ? order by id", String.class, jobId);
    }

    /** Registers a worker with one CPU device of {@code memoryBytes}; returns its id. */
    public long worker(String name, long memoryBytes) {
        return worker(name, memoryBytes, false);
    }

    /** Registers (or revives) an active worker with one CPU device of this memory, computing bf16 natively or not. */
    public long worker(String name, long memoryBytes, boolean bf16) {
        long id = jdbc.queryForObject("insert into workers (name, host, status) values (?, 'test', 'online') "
                + "on conflict (name) do update set status = 'online', availability = 'active' returning id",
                Long.class, name);
        jdbc.update("delete from worker_devices where worker_id = ?", id);
        jdbc.update("insert into worker_devices (worker_id, device_index, kind, name, memory_bytes, bf16) "
                + "values (?, -1, 'cpu', ?, ?, ?)", id, bf16 ? "CPU with AVX512-BF16" : "CPU", memoryBytes, bf16);
        return id;
    }
}
