package io.tuneforge.web.testing;

import io.tuneforge.core.team.Team;
import io.tuneforge.core.user.AppUser;
import io.tuneforge.core.user.Role;
import io.tuneforge.core.user.UserAccountService;

/** Users for headless-browser tests, which sign in through the real login form. */
public final class BrowserUsers {

    /** The password of every user these tests create. */
    public static final String PASSWORD = "a-long-password-1";

    private BrowserUsers() {
    }

    /**
     * A new user of {@code team} who can sign in: a first administrator is created first if the platform has none,
     * since until then the login page sends everyone to the setup screen.
     */
    public static AppUser create(UserAccountService accounts, String username, String displayName, Role role,
            Team team) {
        if (accounts.needsFirstRunSetup()) {
            accounts.createFirstAdministrator("e2e-admin", "Administrator", PASSWORD, "Administrators");
        }
        return accounts.createUser(username, displayName, PASSWORD, role, team);
    }
}
