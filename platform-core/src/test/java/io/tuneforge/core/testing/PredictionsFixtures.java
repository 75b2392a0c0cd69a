package io.tuneforge.core.testing;

import io.tuneforge.core.artifact.ArtifactKind;
import io.tuneforge.core.artifact.ArtifactStore;
import io.tuneforge.core.artifact.StoredObject;
import io.tuneforge.core.testing.JobFixtures.TeamSetup;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import org.springframework.jdbc.core.JdbcTemplate;
import tools.jackson.databind.json.JsonMapper;

/**
 * A succeeded job with a predictions artifact, as the job runner leaves it: a folder in the artifact store under
 * {@code jobs/<id>/predictions} holding {@code predictions.jsonl} (prompt, label, base, tuned per line).
 */
public final class PredictionsFixtures {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final JdbcTemplate jdbc;
    private final ArtifactStore store;

    public PredictionsFixtures(JdbcTemplate jdbc, ArtifactStore store) {
        this.jdbc = jdbc;
        this.store = store;
    }

    /**
     * One held-out row.
     *
     * @param prompt the prompt
     * @param label  the reference answer
     * @param base   the base model's answer
     * @param tuned  the tuned model's answer
     */
    public record Row(String prompt, String label, String base, String tuned) {
    }

    /** A job of the team that succeeded and left these rows as its predictions; returns its id. */
    public long succeededJob(TeamSetup team, String name, List<Row> rows) {
        StringBuilder jsonl = new StringBuilder();
        for (Row row : rows) {
            jsonl.append(JSON.writeValueAsString(Map.of("prompt", row.prompt(), "label", row.label(), "base",
                    row.base(), "tuned", row.tuned()))).append('\n');
        }
        return succeededJobWithFile(team, name, jsonl.toString());
    }

    /** A succeeded job whose predictions.jsonl holds exactly {@code content} (to test malformed files). */
    public long succeededJobWithFile(TeamSetup team, String name, String content) {
        long jobId = jdbc.queryForObject("""
                insert into fine_tuning_jobs (team_id, user_id, base_model_id, dataset_version_id, name, method,
                    config, status, queued_at, started_at, finished_at)
                values (?, ?, ?, ?, ?, 'lora', '{}'::jsonb, 'succeeded', now(), now(), now())
                returning id
                """, Long.class, team.teamId(), team.userId(), team.modelId(), team.datasetVersionId(), name);
        String key = ArtifactStore.artifactKey(jobId, "predictions");
        StoredObject stored = store.writeDirectory(key, folder -> Files.writeString(
                folder.resolve("predictions.jsonl"), content, StandardCharsets.UTF_8));
        jdbc.update("insert into artifacts (job_id, kind, storage_path, size_bytes, sha256) values (?, ?, ?, ?, ?)",
                jobId, ArtifactKind.PREDICTIONS.name().toLowerCase(), key, stored.sizeBytes(), stored.sha256());
        return jobId;
    }

    /** Another member of the team; returns the user id. */
    public long member(TeamSetup team, String username) {
        return jdbc.queryForObject("insert into users (username, display_name, password_hash, role, team_id) "
                + "values (?, ?, '{noop}x', 'MEMBER', ?) returning id", Long.class, username, username, team.teamId());
    }
}
