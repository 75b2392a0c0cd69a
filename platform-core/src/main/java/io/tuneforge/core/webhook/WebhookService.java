package io.tuneforge.core.webhook;

import java.net.URI;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/** Registering and listing a team's webhooks. */
@Service
public class WebhookService {

    private static final SecureRandom RANDOM = new SecureRandom();

    private final JdbcTemplate jdbc;

    WebhookService(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /** Longest URL stored (the {@code webhooks.url} column). */
    public static final int MAX_URL_LENGTH = 2000;

    /**
     * Registers an http(s) endpoint for a team with a fresh random secret.
     *
     * @throws IllegalArgumentException when the URL is missing, longer than {@link #MAX_URL_LENGTH} or not http(s)
     */
    @Transactional
    public Webhook register(long teamId, String url) {
        if (url == null || url.isBlank()) {
            throw new IllegalArgumentException("url is missing: give the http(s) URL to deliver job events to");
        }
        if (url.length() > MAX_URL_LENGTH) {
            throw new IllegalArgumentException("url is " + url.length() + " characters long: at most "
                    + MAX_URL_LENGTH + " characters are allowed");
        }
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Webhook URL '" + url + "' is not a valid URL");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("https") && !scheme.equals("http") || uri.getHost() == null) {
            throw new IllegalArgumentException("Webhook URL must be http(s)://host/...: got '" + url + "'");
        }
        byte[] secret = new byte[32];
        RANDOM.nextBytes(secret);
        Long id = jdbc.queryForObject("insert into webhooks (team_id, url, secret) values (?, ?, ?) returning id",
                Long.class, teamId, url, "whsec_" + HexFormat.of().formatHex(secret));
        return find(id);
    }

    /** Enabled webhooks of a team. */
    @Transactional(readOnly = true)
    public List<Webhook> enabledFor(long teamId) {
        return jdbc.query("select * from webhooks where team_id = ? and enabled order by id", WebhookService::row,
                teamId);
    }

    /** Removes a team's webhook; false when it is not that team's. */
    @Transactional
    public boolean delete(long teamId, long webhookId) {
        return jdbc.update("delete from webhooks where id = ? and team_id = ?", webhookId, teamId) > 0;
    }

    private Webhook find(long id) {
        return jdbc.queryForObject("select * from webhooks where id = ?", WebhookService::row, id);
    }

    private static Webhook row(java.sql.ResultSet rs, int n) throws java.sql.SQLException {
        return new Webhook(rs.getLong("id"), rs.getLong("team_id"), rs.getString("url"), rs.getString("secret"),
                rs.getBoolean("enabled"), rs.getTimestamp("created_at").toInstant());
    }
}
