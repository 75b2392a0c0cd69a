package io.tuneforge.core.user;

/**
 * Who is calling a service: services scope what they read and change by it (a team member sees only their team's
 * data, an administrator sees everything, a viewer changes nothing).
 *
 * @param userId   the user's id
 * @param username the user's login name
 * @param teamId   the user's team
 * @param role     the user's role
 */
public record Actor(long userId, String username, long teamId, Role role) {

    public static Actor of(AppUser user) {
        return new Actor(user.getId(), user.getUsername(), user.getTeam().getId(), user.getRole());
    }

    public boolean isAdmin() {
        return role == Role.ADMIN;
    }

    /** True when this user may see data of the given team. */
    public boolean canSee(long ownerTeamId) {
        return isAdmin() || ownerTeamId == teamId;
    }

    /** Refuses viewers: they may look but not change anything. */
    public void requireWriter() {
        if (role == Role.VIEWER) {
            throw new AccessRefusedException("Viewers cannot change anything: ask an administrator for the member role");
        }
    }

    /** Refuses everyone but administrators. */
    public void requireAdmin() {
        if (!isAdmin()) {
            throw new AccessRefusedException("Only an administrator may do this");
        }
    }
}
