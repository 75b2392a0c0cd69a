package io.tuneforge.core.model;

import io.tuneforge.core.artifact.ArtifactKind;
import io.tuneforge.core.user.AccessRefusedException;
import io.tuneforge.core.user.Actor;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * Fine-tuned results and their versions. Every succeeded job is a lineage row: base model → job (adapter) → merged
 * model. A team names results as versions of a fine-tuned model (v1, v2, ... per name), promotes one version as the
 * team's current one, and rolls a promotion back to the version promoted before it; the promotion history is kept.
 * Scoped by the {@link Actor}: members see and change their team's models only, administrators all.
 */
@Service
@Transactional
public class TunedModelService {

    /**
     * A succeeded job's results with where they come from.
     *
     * @param jobId      the job
     * @param jobName    the job's name
     * @param team       the job's team
     * @param baseModel  the base model it fine-tuned
     * @param method     lora, full, freeze, prefix or adapter
     * @param finishedAt when the job succeeded
     * @param artifacts  the model artifacts it stored (adapter, merged, GGUF)
     * @param version    the version this result is, if it was named one (e.g. "support-bot v2")
     */
    public record TunedResult(long jobId, String jobName, String team, String baseModel, String method,
            Optional<Instant> finishedAt, Set<ArtifactKind> artifacts, Optional<String> version) {

        public boolean has(ArtifactKind kind) {
            return artifacts.contains(kind);
        }
    }

    /**
     * A version of a fine-tuned model.
     *
     * @param id        version id
     * @param teamId    owning team
     * @param team      owning team's name
     * @param name      the fine-tuned model's name
     * @param version   1, 2, ... within the name
     * @param jobId     the job whose result this is
     * @param jobName   that job's name
     * @param baseModel the base model the job fine-tuned
     * @param promoted  true when this is the team's current (promoted) version of the model
     * @param createdAt when the version was added
     */
    public record TunedVersion(long id, long teamId, String team, String name, int version, long jobId,
            String jobName, String baseModel, boolean promoted, Instant createdAt) {

        /** e.g. "support-bot v2". */
        public String label() {
            return name + " v" + version;
        }
    }

    /**
     * One promotion in a model's history.
     *
     * @param version      the version promoted
     * @param promotedBy   who promoted it
     * @param promotedAt   when
     * @param rolledBackBy who rolled the promotion back, if someone did
     * @param rolledBackAt when, if it was
     */
    public record Promotion(int version, String promotedBy, Instant promotedAt, Optional<String> rolledBackBy,
            Optional<Instant> rolledBackAt) {
    }

    private static final Set<ArtifactKind> MODEL_KINDS = EnumSet.of(ArtifactKind.ADAPTER, ArtifactKind.MERGED,
            ArtifactKind.GGUF);

    private final JdbcTemplate jdbc;

    public TunedModelService(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /** The succeeded jobs the actor may see, newest first, with their model artifacts and version. */
    @Transactional(readOnly = true)
    public List<TunedResult> results(Actor actor) {
        return jdbc.query("""
                select j.id, j.name, t.name as team, b.name as base, j.method, j.finished_at,
                       (select string_agg(distinct a.kind, ',') from artifacts a where a.job_id = j.id) as kinds,
                       v.name as version_name, v.version
                from fine_tuning_jobs j
                join teams t on t.id = j.team_id
                join base_models b on b.id = j.base_model_id
                left join tuned_model_versions v on v.job_id = j.id
                where j.status = 'succeeded' and (? or j.team_id = ?)
                order by j.finished_at desc nulls last, j.id desc
                """, this::tunedResult, actor.isAdmin(), actor.teamId());
    }

    /**
     * Names a succeeded job's result as the next version of the fine-tuned model {@code name} of the job's team.
     *
     * @throws ModelException when the job did not succeed, has no model artifact or is a version already
     */
    public TunedVersion addVersion(Actor actor, long jobId, String name) {
        actor.requireWriter();
        String trimmed = name == null ? "" : name.strip();
        if (trimmed.isEmpty() || trimmed.length() > 200) {
            throw new ModelException("Give the fine-tuned model a name of 1 to 200 characters");
        }
        JobRow job = job(actor, jobId);
        if (!job.status().equals("succeeded")) {
            throw new ModelException("Job " + jobId + " is " + job.status() + ": only a succeeded job's result can be a version");
        }
        if (!job.hasModelArtifact()) {
            throw new ModelException("Job " + jobId + " stored no adapter, merged model or GGUF to version");
        }
        lockTeam(job.teamId());
        List<String> existing = jdbc.query("select name || ' v' || version from tuned_model_versions where job_id = ?",
                (rs, i) -> rs.getString(1), jobId);
        if (!existing.isEmpty()) {
            throw new ModelException("Job " + jobId + " is already " + existing.getFirst());
        }
        Long id = jdbc.queryForObject("""
                insert into tuned_model_versions (team_id, name, version, job_id, created_by)
                values (?, ?, (select coalesce(max(version), 0) + 1 from tuned_model_versions
                               where team_id = ? and name = ?), ?, ?)
                returning id
                """, Long.class, job.teamId(), trimmed, job.teamId(), trimmed, jobId, actor.userId());
        return version(id);
    }

    /** Every version the actor may see, by team and name, newest version first. */
    @Transactional(readOnly = true)
    public List<TunedVersion> versions(Actor actor) {
        return jdbc.query(VERSIONS + " where (? or v.team_id = ?) order by t.name, v.name, v.version desc",
                this::tunedVersion, actor.isAdmin(), actor.teamId());
    }

    /** Makes the version its team's current version of the model; the previous one stays in the history. */
    public TunedVersion promote(Actor actor, long versionId) {
        actor.requireWriter();
        TunedVersion version = visibleVersion(actor, versionId);
        lockTeam(version.teamId());
        if (version(versionId).promoted()) {
            throw new ModelException(version.label() + " is the promoted version already");
        }
        jdbc.update("insert into tuned_model_promotions (team_id, name, version_id, promoted_by) values (?, ?, ?, ?)",
                version.teamId(), version.name(), versionId, actor.userId());
        return version(versionId);
    }

    /**
     * Rolls back the current promotion of the model: the version promoted before it is current again.
     *
     * @return the version now current
     * @throws ModelException when nothing is promoted or there is no earlier promotion to return to
     */
    public TunedVersion rollback(Actor actor, long teamId, String name) {
        actor.requireWriter();
        requireVisible(actor, teamId, name);
        lockTeam(teamId);
        List<long[]> active = jdbc.query("""
                select p.id, p.version_id, v.version from tuned_model_promotions p
                join tuned_model_versions v on v.id = p.version_id
                where p.team_id = ? and p.name = ? and p.rolled_back_at is null order by p.id desc limit 2
                """, (rs, i) -> new long[] {rs.getLong(1), rs.getLong(2), rs.getLong(3)}, teamId, name);
        if (active.isEmpty()) {
            throw new ModelException("No version of " + name + " is promoted: there is nothing to roll back");
        }
        if (active.size() == 1) {
            throw new ModelException(name + " v" + active.getFirst()[2] + " is the only promoted version: there is "
                    + "no earlier promotion to roll back to; promote another version instead");
        }
        jdbc.update("update tuned_model_promotions set rolled_back_at = now(), rolled_back_by = ? where id = ?",
                actor.userId(), active.getFirst()[0]);
        return version(active.get(1)[1]);
    }

    /** The model's promotions, newest first, rolled back ones included. */
    @Transactional(readOnly = true)
    public List<Promotion> history(Actor actor, long teamId, String name) {
        requireVisible(actor, teamId, name);
        return jdbc.query("""
                select v.version, pu.username as promoted_by, p.promoted_at, ru.username as rolled_back_by,
                       p.rolled_back_at
                from tuned_model_promotions p
                join tuned_model_versions v on v.id = p.version_id
                left join users pu on pu.id = p.promoted_by
                left join users ru on ru.id = p.rolled_back_by
                where p.team_id = ? and p.name = ? order by p.id desc
                """, (rs, i) -> new Promotion(rs.getInt("version"), String.valueOf(rs.getString("promoted_by")),
                rs.getTimestamp("promoted_at").toInstant(), Optional.ofNullable(rs.getString("rolled_back_by")),
                instant(rs, "rolled_back_at")), teamId, name);
    }

    private static final String VERSIONS = """
            select v.id, v.team_id, t.name as team, v.name, v.version, v.job_id, j.name as job_name,
                   b.name as base, v.created_at,
                   v.id = (select p.version_id from tuned_model_promotions p
                           where p.team_id = v.team_id and p.name = v.name and p.rolled_back_at is null
                           order by p.id desc limit 1) as promoted
            from tuned_model_versions v
            join teams t on t.id = v.team_id
            join fine_tuning_jobs j on j.id = v.job_id
            join base_models b on b.id = j.base_model_id
            """;

    private TunedResult tunedResult(ResultSet rs, int row) throws SQLException {
        String versionName = rs.getString("version_name");
        Optional<String> version = versionName == null ? Optional.empty()
                : Optional.of(versionName + " v" + rs.getInt("version"));
        return new TunedResult(rs.getLong("id"), rs.getString("name"), rs.getString("team"), rs.getString("base"),
                rs.getString("method"), instant(rs, "finished_at"), kinds(rs.getString("kinds")), version);
    }

    private TunedVersion tunedVersion(ResultSet rs, int row) throws SQLException {
        return new TunedVersion(rs.getLong("id"), rs.getLong("team_id"), rs.getString("team"), rs.getString("name"),
                rs.getInt("version"), rs.getLong("job_id"), rs.getString("job_name"), rs.getString("base"),
                rs.getBoolean("promoted"), rs.getTimestamp("created_at").toInstant());
    }

    private TunedVersion version(long id) {
        return jdbc.query(VERSIONS + " where v.id = ?", this::tunedVersion, id).stream().findFirst()
                .orElseThrow(() -> new ModelException("No fine-tuned model version with id " + id));
    }

    private TunedVersion visibleVersion(Actor actor, long id) {
        TunedVersion version = version(id);
        if (!actor.canSee(version.teamId())) {
            throw new AccessRefusedException(version.label() + " belongs to another team");
        }
        return version;
    }

    private void requireVisible(Actor actor, long teamId, String name) {
        if (!actor.canSee(teamId)) {
            throw new AccessRefusedException("The fine-tuned model " + name + " belongs to another team");
        }
    }

    /** Serializes version numbering and promotions of one team. */
    private void lockTeam(long teamId) {
        jdbc.queryForList("select id from teams where id = ? for update", Long.class, teamId);
    }

    private record JobRow(long teamId, String status, boolean hasModelArtifact) {
    }

    private JobRow job(Actor actor, long jobId) {
        List<JobRow> rows = jdbc.query("""
                select j.team_id, j.status, exists (select 1 from artifacts a where a.job_id = j.id
                                                    and a.kind in ('adapter', 'merged', 'gguf')) as has_model
                from fine_tuning_jobs j where j.id = ?
                """, (rs, i) -> new JobRow(rs.getLong(1), rs.getString(2), rs.getBoolean(3)), jobId);
        if (rows.isEmpty() || !actor.canSee(rows.getFirst().teamId())) {
            throw new ModelException("No job with id " + jobId);
        }
        return rows.getFirst();
    }

    private static Set<ArtifactKind> kinds(String commaSeparated) {
        Set<ArtifactKind> kinds = EnumSet.noneOf(ArtifactKind.class);
        if (commaSeparated != null) {
            Arrays.stream(commaSeparated.split(",")).map(k -> ArtifactKind.valueOf(k.toUpperCase()))
                    .filter(MODEL_KINDS::contains).forEach(kinds::add);
        }
        return kinds;
    }

    private static Optional<Instant> instant(ResultSet rs, String column) throws SQLException {
        Timestamp at = rs.getTimestamp(column);
        return Optional.ofNullable(at).map(Timestamp::toInstant);
    }
}
