package io.tuneforge.core.team;

/**
 * Who is asking, for access control in services: a user sees and acts on their own team's jobs, files and models;
 * an administrator sees all teams.
 *
 * @param userId the calling user
 * @param teamId the user's team
 * @param admin  true for administrators (no team restriction)
 */
public record TeamScope(long userId, long teamId, boolean admin) {

    /** True when this caller may see something that belongs to {@code ownerTeamId}. */
    public boolean canSee(long ownerTeamId) {
        return admin || ownerTeamId == teamId;
    }

    /** True when this caller may see a team-less (shared) thing or one of their team's. */
    public boolean canSeeShared(Long ownerTeamIdOrNull) {
        return ownerTeamIdOrNull == null || canSee(ownerTeamIdOrNull);
    }
}
