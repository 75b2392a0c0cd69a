package io.tuneforge.web.security;

import java.security.SecureRandom;
import java.util.HexFormat;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The secret that signs "remember me" cookies, kept in the database ({@code remember_me_key}, one row): the first
 * web app to start writes a random one, every later start (or another web app on the same database) reads the same,
 * so cookies signed before a restart still sign their users in.
 */
final class RememberMeKey {

    private static final int SECRET_BYTES = 32;

    private RememberMeKey() {
    }

    /** The stored secret, created on first use (two apps starting together agree: the first insert wins). */
    static String load(JdbcTemplate jdbc) {
        byte[] random = new byte[SECRET_BYTES];
        new SecureRandom().nextBytes(random);
        jdbc.update("insert into remember_me_key (id, secret) values (1, ?) on conflict (id) do nothing",
                HexFormat.of().formatHex(random));
        return jdbc.queryForObject("select secret from remember_me_key where id = 1", String.class);
    }
}
