package io.tuneforge.core.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tuneforge.core.dataset.Dataset;
import io.tuneforge.shared.dataset.DatasetFormat;
import io.tuneforge.core.dataset.DatasetVersion;
import io.tuneforge.core.model.BaseModel;
import io.tuneforge.core.team.Team;
import io.tuneforge.core.user.AppUser;
import io.tuneforge.core.user.Role;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.data.jpa.test.autoconfigure.DataJpaTest;
import org.springframework.boot.jdbc.test.autoconfigure.AutoConfigureTestDatabase;
import org.springframework.boot.jpa.test.autoconfigure.TestEntityManager;
import org.springframework.data.domain.PageRequest;
import org.springframework.jdbc.core.JdbcTemplate;

/** Repositories against real PostgreSQL, with the Flyway schema (no generated DDL). */
@DataJpaTest(showSql = false)
@AutoConfigureTestDatabase(replace = AutoConfigureTestDatabase.Replace.NONE)
class JobPersistenceTest {

    @Autowired
    TestEntityManager em;

    @Autowired
    FineTuningJobRepository jobs;

    @Autowired
    JobEventRepository events;

    @Autowired
    TrainingMetricRepository metrics;

    @Autowired
    JdbcTemplate jdbc;

    Team team;
    FineTuningJob job;

    @BeforeEach
    void createJob() {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        team = em.persist(new Team("team-" + suffix, 2));
        AppUser user = em.persist(new AppUser("user-" + suffix, "U", "{bcrypt}x", Role.MEMBER, team));
        BaseModel model = em.persist(new BaseModel(null, "model-" + suffix, "/models/m", "LlamaForCausalLM", 260_000,
                "float32", null));
        Dataset dataset = em.persist(new Dataset(team, "data-" + suffix, "", user));
        DatasetVersion version = em.persist(new DatasetVersion(dataset, 1, DatasetFormat.ALPACA, user));
        job = jobs.save(new FineTuningJob(team, user, model, version, "first job", FineTuningMethod.LORA,
                "{\"learning_rate\": 0.0002, \"lora_rank\": 8}", 5, 1, 3, 0, null, Instant.now()));
        em.flush();
        em.clear();
    }

    @Test
    void jobConfigurationIsStoredAsJsonb() {
        String type = jdbc.queryForObject("select pg_typeof(config)::text from fine_tuning_jobs where id = ?",
                String.class, job.getId());
        Double lr = jdbc.queryForObject("select (config->>'learning_rate')::float from fine_tuning_jobs where id = ?",
                Double.class, job.getId());

        assertThat(type).isEqualTo("jsonb");
        assertThat(lr).isEqualTo(0.0002);
    }

    @Test
    void newJobIsStoredQueuedAndAPausedOneResumesAtItsOldPlace() {
        FineTuningJob loaded = jobs.findById(job.getId()).orElseThrow();
        assertThat(loaded.getStatus()).isEqualTo(JobStatus.QUEUED);
        Instant queuedAt = loaded.getQueuedAt().orElseThrow();

        loaded.pause(Instant.now());
        jobs.saveAndFlush(loaded);
        loaded.resume(Instant.now());
        jobs.saveAndFlush(loaded);

        String stored = jdbc.queryForObject("select status from fine_tuning_jobs where id = ?", String.class,
                job.getId());
        assertThat(stored).isEqualTo("queued");
        assertThat(loaded.getQueuedAt()).contains(queuedAt);
        assertThat(loaded.takeStatusChanges()).extracting(JobStatusChanged::status)
                .containsExactly(JobStatus.PAUSED, JobStatus.QUEUED);
    }

    @Test
    void aTerminalJobRefusesEveryTransition() {
        FineTuningJob loaded = jobs.findById(job.getId()).orElseThrow();
        loaded.cancel(Instant.now());

        assertThatThrownBy(() -> loaded.cancel(Instant.now())).isInstanceOf(JobStateException.class)
                .hasMessageContaining("already cancelled");
        assertThatThrownBy(() -> loaded.pause(Instant.now())).isInstanceOf(JobStateException.class);
        assertThatThrownBy(() -> loaded.resume(Instant.now())).isInstanceOf(JobStateException.class);
        assertThat(loaded.takeStatusChanges()).extracting(JobStatusChanged::status)
                .containsExactly(JobStatus.CANCELLED);
    }

    @Test
    void teamPageListsOnlyThatTeamsJobs() {
        var page = jobs.findByTeamIdOrderByIdDesc(team.getId(), PageRequest.of(0, 10));

        assertThat(page.getContent()).extracting(FineTuningJob::getName).containsExactly("first job");
    }

    @Test
    void eventsComeBackInOrderWithTheirData() {
        events.save(new JobEvent(job.getId(), JobEvent.Level.INFO, "JOB_PENDING", "Job created", null));
        events.save(new JobEvent(job.getId(), JobEvent.Level.WARN, "CHECKPOINT_SAVE", "Saved step 10",
                "{\"step\": 10}"));
        em.flush();
        em.clear();

        var list = events.findByJobIdOrderByIdAsc(job.getId());
        assertThat(list).extracting(JobEvent::getType).containsExactly("JOB_PENDING", "CHECKPOINT_SAVE");
        assertThat(list.get(1).getData()).hasValueSatisfying(d -> assertThat(d).contains("\"step\": 10"));
    }

    @Test
    void aMetricPointIsUniquePerJobNameAndStep() {
        metrics.saveAndFlush(new TrainingMetric(job.getId(), "loss", 5, 2.5));
        metrics.saveAndFlush(new TrainingMetric(job.getId(), "loss", 10, 2.1));

        assertThat(metrics.findByKeyJobIdAndKeyNameOrderByKeyStepAsc(job.getId(), "loss"))
                .extracting(TrainingMetric::getStep).containsExactly(5, 10);
        assertThatThrownBy(() -> jdbc.update(
                "insert into training_metrics(job_id, step, name, value) values (?, 5, 'loss', 9.9)", job.getId()))
                .hasMessageContaining("training_metrics_pkey");
    }

    @Test
    void statusCheckRejectsUnknownStatus() {
        assertThatThrownBy(() -> jdbc.update("update fine_tuning_jobs set status = 'exploded' where id = ?",
                job.getId()))
                .hasMessageContaining("fine_tuning_jobs_status_check");
    }

    @Test
    void validatingFilesIsNoLongerAStatus() {
        assertThatThrownBy(() -> jdbc.update("update fine_tuning_jobs set status = 'validating_files' where id = ?",
                job.getId()))
                .hasMessageContaining("fine_tuning_jobs_status_check");
    }
}
