package io.tuneforge.web.api;

import io.tuneforge.core.user.AccountNotFoundException;
import io.tuneforge.core.user.Actor;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * Personal API tokens ({@code Authorization: Bearer tf_...}). A token is 32 random bytes shown once at creation;
 * only its SHA-256 is stored, so a leaked database does not leak usable tokens.
 */
@Service
public class ApiTokenService {

    /** Prefix that makes TuneForge tokens recognisable (e.g. by secret scanners). */
    public static final String PREFIX = "tf_";

    private static final SecureRandom RANDOM = new SecureRandom();

    private final JdbcTemplate jdbc;

    ApiTokenService(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /** A token as lists show it (never the secret). */
    public record TokenSummary(long id, String name, Instant createdAt, Optional<Instant> lastUsedAt,
            Optional<Instant> expiresAt) {
    }

    /** A new token: {@code token} is the secret, shown to the user once. */
    public record CreatedToken(long id, String name, String token, Optional<Instant> expiresAt) {
    }

    /** Shortest secret after {@link #PREFIX} that a configured token ({@code TUNEFORGE_ADMIN_TOKEN}) may have. */
    public static final int MIN_CONFIGURED_SECRET_LENGTH = 32;

    /** Creates a token for the actor. */
    @Transactional
    public CreatedToken create(Actor actor, String name, Optional<Instant> expiresAt) {
        return insert(actor.userId(), name, expiresAt);
    }

    /** An administrator creates a token for any user (scripts setting up accounts); the secret is shown once. */
    @Transactional
    public CreatedToken createFor(Actor admin, long userId, String name) {
        admin.requireAdmin();
        if (jdbc.queryForObject("select count(*) from users where id = ?", Integer.class, userId) == 0) {
            throw new AccountNotFoundException("No user " + userId);
        }
        return insert(userId, name, Optional.empty());
    }

    /**
     * Registers a token chosen outside TuneForge (the install's {@code TUNEFORGE_ADMIN_TOKEN}) for a user; nothing
     * happens when it is registered already, so every start may call this.
     *
     * @return true when it was registered now
     */
    @Transactional
    public boolean register(long userId, String name, String token) {
        requireConfigurable(token);
        return jdbc.update("insert into api_tokens (user_id, name, token_hash) values (?, ?, ?) "
                + "on conflict (token_hash) do nothing", userId, name, hash(token)) > 0;
    }

    /**
     * Refuses a configured token that is not {@code tf_} followed by at least 32 characters.
     *
     * @throws IllegalArgumentException saying what a usable token looks like
     */
    public static void requireConfigurable(String token) {
        if (token == null || !token.startsWith(PREFIX)
                || token.strip().length() < PREFIX.length() + MIN_CONFIGURED_SECRET_LENGTH
                || !token.equals(token.strip())) {
            throw new IllegalArgumentException("TUNEFORGE_ADMIN_TOKEN must be '" + PREFIX + "' followed by at least "
                    + MIN_CONFIGURED_SECRET_LENGTH + " characters without spaces, e.g. " + PREFIX
                    + "$(openssl rand -hex 24)");
        }
    }

    private CreatedToken insert(long userId, String name, Optional<Instant> expiresAt) {
        if (name == null || name.isBlank() || name.length() > 100) {
            throw new InvalidFieldException("name", "A token needs a name of 1-100 characters (e.g. 'ci-pipeline')");
        }
        byte[] secret = new byte[32];
        RANDOM.nextBytes(secret);
        String token = PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
        Long id = jdbc.queryForObject("insert into api_tokens (user_id, name, token_hash, expires_at) "
                + "values (?, ?, ?, ?) returning id", Long.class, userId, name.strip(), hash(token),
                expiresAt.map(Timestamp::from).orElse(null));
        return new CreatedToken(id, name.strip(), token, expiresAt);
    }

    /** The username a valid, unexpired token of an enabled user belongs to; records its use. */
    @Transactional
    public Optional<String> authenticate(String token) {
        if (token == null || !token.startsWith(PREFIX)) {
            return Optional.empty();
        }
        List<String> user = jdbc.queryForList("""
                update api_tokens t set last_used_at = now()
                from users u
                where t.token_hash = ? and u.id = t.user_id and u.enabled
                  and (t.expires_at is null or t.expires_at > now())
                returning u.username
                """, String.class, hash(token));
        return user.stream().findFirst();
    }

    /** The actor's tokens, newest first. */
    @Transactional(readOnly = true)
    public List<TokenSummary> list(Actor actor) {
        return jdbc.query("select id, name, created_at, last_used_at, expires_at from api_tokens where user_id = ? "
                + "order by id desc", (rs, n) -> new TokenSummary(rs.getLong(1), rs.getString(2),
                rs.getTimestamp(3).toInstant(), Optional.ofNullable(rs.getTimestamp(4)).map(Timestamp::toInstant),
                Optional.ofNullable(rs.getTimestamp(5)).map(Timestamp::toInstant)), actor.userId());
    }

    /** Revokes one of the actor's tokens; false when it is not theirs. */
    @Transactional
    public boolean revoke(Actor actor, long tokenId) {
        return jdbc.update("delete from api_tokens where id = ? and user_id = ?", tokenId, actor.userId()) > 0;
    }

    static String hash(String token) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(token.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
