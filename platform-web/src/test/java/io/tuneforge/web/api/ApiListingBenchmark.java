package io.tuneforge.web.api;

import io.tuneforge.core.team.Team;
import io.tuneforge.core.team.TeamRepository;
import io.tuneforge.core.user.Actor;
import io.tuneforge.core.user.AppUser;
import io.tuneforge.core.user.Role;
import io.tuneforge.core.user.UserAccountService;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * API benchmark (not part of the test suite): p50/p99 of {@code GET /api/v1/fine_tuning/jobs} with 10,000 jobs in
 * the table (1,000 of them queued). Run:
 * {@code ./mvnw -o -pl platform-web -am test -Dtest=ApiListingBenchmark -Dsurefire.failIfNoSpecifiedTests=false}.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "tuneforge.worker.embedded=false")
class ApiListingBenchmark {

    @LocalServerPort
    int port;
    @Autowired
    UserAccountService accounts;
    @Autowired
    TeamRepository teams;
    @Autowired
    ApiTokenService tokens;
    @Autowired
    JdbcTemplate jdbc;

    @Test
    void listingJobsWithTenThousandInTheTable() throws Exception {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        Team team = teams.save(new Team("bench-" + suffix, 4));
        AppUser user = accounts.createUser("bench-" + suffix, "Bench", "correct-horse-battery", Role.MEMBER, team);
        AppUser admin = accounts.createUser("bench-admin-" + suffix, "Admin", "correct-horse-battery", Role.ADMIN,
                team);
        long model = jdbc.queryForObject("insert into base_models (team_id, name, path, architecture, "
                + "parameter_count, dtype) values (?, ?, '/m', 'LlamaForCausalLM', 1, 'float32') returning id",
                Long.class, team.getId(), "bench-model-" + suffix);
        long dataset = jdbc.queryForObject("insert into datasets (team_id, name) values (?, ?) returning id",
                Long.class, team.getId(), "bench-data-" + suffix);
        long version = jdbc.queryForObject("insert into dataset_versions (dataset_id, version, format, status) "
                + "values (?, 1, 'alpaca', 'valid') returning id", Long.class, dataset);
        jdbc.update("""
                insert into fine_tuning_jobs (team_id, user_id, base_model_id, dataset_version_id, name, method, config,
                    status, priority, queued_at)
                select ?, ?, ?, ?, 'bench-' || g, 'lora', '{"lora_rank": 8}',
                    case when g % 10 = 0 then 'queued' else 'succeeded' end, g % 3, clock_timestamp()
                from generate_series(1, 10000) g
                """, team.getId(), user.getId(), model, version);
        String memberToken = tokens.create(Actor.of(user), "bench", Optional.empty()).token();
        String adminToken = tokens.create(Actor.of(admin), "bench", Optional.empty()).token();

        measure("member, limit=20", "/api/v1/fine_tuning/jobs?limit=20", memberToken);
        measure("member, limit=100", "/api/v1/fine_tuning/jobs?limit=100", memberToken);
        measure("admin, limit=20", "/api/v1/fine_tuning/jobs?limit=20", adminToken);
    }

    private void measure(String label, String path, String token) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                .header("Authorization", "Bearer " + token).GET().build();
        for (int i = 0; i < 50; i++) {
            http.send(request, HttpResponse.BodyHandlers.discarding()); // warm-up
        }
        List<Double> millis = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            long start = System.nanoTime();
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            millis.add((System.nanoTime() - start) / 1e6);
            if (response.statusCode() != 200) {
                throw new AssertionError(response.body());
            }
        }
        millis.sort(Double::compare);
        System.out.printf("BENCH GET %s (%s, 10,000 jobs): n=%d p50=%.1f ms p99=%.1f ms%n", path, label,
                millis.size(), millis.get(millis.size() / 2), millis.get((int) Math.ceil(millis.size() * 0.99) - 1));
    }
}
