package io.tuneforge.web.testing;

import io.tuneforge.core.team.Team;
import io.tuneforge.core.team.TeamRepository;
import io.tuneforge.core.user.Actor;
import io.tuneforge.core.user.AppUser;
import io.tuneforge.core.user.Role;
import io.tuneforge.core.user.UserAccountService;
import java.util.List;
import java.util.UUID;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.core.userdetails.User;

/** Creates a fresh team and user in the real database and signs them in for a browserless view test. */
public final class SignedIn {

    private SignedIn() {
    }

    /** A new user with the role, in a new team, signed in; returns the matching {@link Actor}. */
    public static Actor as(Role role, UserAccountService accounts, TeamRepository teams) {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        Team team = teams.save(new Team("team-" + suffix, 1));
        return signIn(accounts.createUser("user-" + suffix, "User " + suffix, "a-long-password-1", role, team));
    }

    /** Signs an existing user in. */
    public static Actor signIn(AppUser user) {
        var authority = new SimpleGrantedAuthority("ROLE_" + user.getRole().name());
        var principal = new User(user.getUsername(), user.getPasswordHash(), List.of(authority));
        SecurityContextHolder.getContext().setAuthentication(
                new UsernamePasswordAuthenticationToken(principal, null, List.of(authority)));
        return Actor.of(user);
    }

    public static void signOut() {
        SecurityContextHolder.clearContext();
    }
}
