package io.tuneforge.core.user;

import io.tuneforge.core.team.Team;
import io.tuneforge.core.team.TeamRepository;
import java.util.Optional;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/** Accounts: the first-run administrator, new users, password changes. Passwords are hashed, never stored. */
@Service
public class UserAccountService {

    /** Shortest password we accept. */
    public static final int MIN_PASSWORD_LENGTH = 12;

    private final AppUserRepository users;
    private final TeamRepository teams;
    private final PasswordEncoder passwordEncoder;

    public UserAccountService(AppUserRepository users, TeamRepository teams, PasswordEncoder passwordEncoder) {
        this.users = users;
        this.teams = teams;
        this.passwordEncoder = passwordEncoder;
    }

    /** True until an administrator exists: the web app then shows the first-run setup screen. */
    @Transactional(readOnly = true)
    public boolean needsFirstRunSetup() {
        return !users.existsByRole(Role.ADMIN);
    }

    /**
     * Creates the first administrator and their team. Refused once any administrator exists, so the setup screen
     * cannot be used to take over an installed platform.
     */
    @Transactional
    public AppUser createFirstAdministrator(String username, String displayName, String password, String teamName) {
        if (!needsFirstRunSetup()) {
            throw new AccountException("An administrator already exists; first-run setup is closed.");
        }
        Team team = teams.findByName(teamName).orElseGet(() -> teams.save(new Team(teamName, 1)));
        return createUser(username, displayName, password, Role.ADMIN, team);
    }

    /** Creates a user in a team after checking the username and password rules. */
    @Transactional
    public AppUser createUser(String username, String displayName, String password, Role role, Team team) {
        String name = requireUsername(username);
        requireStrongPassword(password);
        if (users.findByUsername(name).isPresent()) {
            throw new AccountException("username", "The username '" + name + "' is taken.");
        }
        String shownName = displayName == null || displayName.isBlank() ? name : displayName.strip();
        return users.save(new AppUser(name, shownName, passwordEncoder.encode(password), role, team));
    }

    @Transactional(readOnly = true)
    public Optional<AppUser> findByUsername(String username) {
        return users.findByUsername(username);
    }

    private static String requireUsername(String username) {
        if (username == null || !username.strip().matches("[A-Za-z0-9._@-]{3,100}")) {
            throw new AccountException("username",
                    "Username must be 3-100 characters: letters, digits, '.', '_', '@' or '-'.");
        }
        return username.strip();
    }

    private static void requireStrongPassword(String password) {
        if (password == null || password.length() < MIN_PASSWORD_LENGTH) {
            throw new AccountException("password", "Password must have at least " + MIN_PASSWORD_LENGTH + " characters.");
        }
    }
}
