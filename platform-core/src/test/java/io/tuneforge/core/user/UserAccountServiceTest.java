package io.tuneforge.core.user;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tuneforge.core.team.TeamRepository;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.security.crypto.password.PasswordEncoder;

@SpringBootTest
class UserAccountServiceTest {

    @Autowired
    UserAccountService accounts;

    @Autowired
    AppUserRepository users;

    @Autowired
    TeamRepository teams;

    @Autowired
    PasswordEncoder passwordEncoder;

    @Test
    void firstRunSetupCreatesAnAdministratorOnceAndStoresOnlyAHash() {
        if (accounts.needsFirstRunSetup()) {
            accounts.createFirstAdministrator("root-admin", "Root", "a-long-password-1", "Platform");
        }

        assertThat(accounts.needsFirstRunSetup()).isFalse();
        assertThatThrownBy(() -> accounts.createFirstAdministrator("intruder", "I", "another-password-2", "X"))
                .isInstanceOf(AccountException.class)
                .hasMessageContaining("first-run setup is closed");
        AppUser admin = users.findAll().stream().filter(u -> u.getRole() == Role.ADMIN).findFirst().orElseThrow();
        assertThat(admin.getPasswordHash()).startsWith("{bcrypt}").doesNotContain("a-long-password-1");
    }

    @Test
    void rejectsShortPasswords() {
        var team = teams.findByName("short-pw").orElseGet(() -> teams.save(new io.tuneforge.core.team.Team("short-pw", 1)));

        assertThatThrownBy(() -> accounts.createUser("shorty", "S", "tooshort", Role.MEMBER, team))
                .isInstanceOf(AccountException.class)
                .hasMessageContaining("at least 12 characters");
    }

    @Test
    void passwordHashMatchesThePasswordAndNothingElse() {
        var team = teams.save(new io.tuneforge.core.team.Team("hash-team", 2));
        AppUser user = accounts.createUser("hash.user", "Hash", "correct horse battery", Role.MEMBER, team);

        assertThat(passwordEncoder.matches("correct horse battery", user.getPasswordHash())).isTrue();
        assertThat(passwordEncoder.matches("wrong horse battery", user.getPasswordHash())).isFalse();
    }

    @Test
    void rejectsDuplicateUsernames() {
        var team = teams.save(new io.tuneforge.core.team.Team("dup-team", 1));
        accounts.createUser("dup.user", "D", "a-long-password-3", Role.MEMBER, team);

        assertThatThrownBy(() -> accounts.createUser("dup.user", "D2", "a-long-password-4", Role.MEMBER, team))
                .isInstanceOf(AccountException.class)
                .hasMessageContaining("taken");
    }
}
