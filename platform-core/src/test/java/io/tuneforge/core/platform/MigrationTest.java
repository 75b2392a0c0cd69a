package io.tuneforge.core.platform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.jdbc.core.JdbcTemplate;

@SpringBootTest
class MigrationTest {

    @Autowired
    JdbcTemplate jdbc;

    @Test
    void flywayCreatesEveryTableOfTheSchema() {
        List<String> tables = jdbc.queryForList(
                "select table_name from information_schema.tables where table_schema = 'public'", String.class);

        assertThat(tables).contains("teams", "users", "api_tokens", "datasets", "dataset_versions",
                "dataset_files", "base_models", "fine_tuning_jobs", "job_events", "training_metrics",
                "checkpoints", "artifacts", "workers", "worker_devices", "rating_sessions", "tuned_model_versions",
                "playground_conversations", "flyway_schema_history");
    }

    @Test
    void everyMigrationSucceeded() {
        Integer failed = jdbc.queryForObject(
                "select count(*) from flyway_schema_history where not success", Integer.class);

        assertThat(failed).isZero();
    }

    @Test
    void checkConstraintRejectsUnknownUserRole() {
        jdbc.update("insert into teams(name) values ('constraint-team')");

        assertThatThrownBy(() -> jdbc.update("insert into users(username, display_name, password_hash, role, team_id) "
                + "select 'x-user', 'X', 'h', 'SUPERUSER', id from teams where name = 'constraint-team'"))
                .isInstanceOf(DataIntegrityViolationException.class)
                .hasMessageContaining("users_role_check");
    }

    @Test
    void foreignKeyRejectsUserOfMissingTeam() {
        assertThatThrownBy(() -> jdbc.update("insert into users(username, display_name, password_hash, role, team_id) "
                + "values ('orphan', 'O', 'h', 'MEMBER', 999999)"))
                .isInstanceOf(DataIntegrityViolationException.class);
    }
}
