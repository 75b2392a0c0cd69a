package io.tuneforge.core.webhook;

import io.tuneforge.core.platform.PlatformHome;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Set;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.springframework.stereotype.Component;

/**
 * Webhook secrets: made here, stored AES-256-GCM encrypted (base64 of a 12-byte nonce and the ciphertext with its tag)
 * under a key kept in the platform home ({@code webhook-secrets.key}, owner-only, made on first use). A database dump
 * alone does not reveal them.
 */
@Component
class WebhookSecrets {

    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;

    private final PlatformHome home;
    private volatile SecretKey key;

    WebhookSecrets(PlatformHome home) {
        this.home = home;
    }

    /** The key file below the platform home. */
    Path keyFile() {
        return home.root().resolve("webhook-secrets.key");
    }

    /** A fresh signing secret, {@code whsec_} and 64 hex digits. */
    static String newSecret() {
        byte[] secret = new byte[32];
        RANDOM.nextBytes(secret);
        return "whsec_" + HexFormat.of().formatHex(secret);
    }

    /** What list and get show instead of the secret: {@code whsec_…} and its last four characters. */
    static String hint(String secret) {
        return secret.substring(0, Math.min(6, secret.length())) + "…" + secret.substring(Math.max(0,
                secret.length() - 4));
    }

    String encrypt(String secret) {
        try {
            byte[] nonce = new byte[NONCE_BYTES];
            RANDOM.nextBytes(nonce);
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, key(), new GCMParameterSpec(TAG_BITS, nonce));
            byte[] sealed = cipher.doFinal(secret.getBytes(StandardCharsets.UTF_8));
            return Base64.getEncoder().encodeToString(ByteBuffer.allocate(nonce.length + sealed.length).put(nonce)
                    .put(sealed).array());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM unavailable", e);
        }
    }

    String decrypt(String stored) {
        try {
            byte[] all = Base64.getDecoder().decode(stored);
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, key(), new GCMParameterSpec(TAG_BITS, all, 0, NONCE_BYTES));
            return new String(cipher.doFinal(all, NONCE_BYTES, all.length - NONCE_BYTES), StandardCharsets.UTF_8);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new IllegalStateException("A webhook secret cannot be decrypted with " + keyFile()
                    + ": was the key file replaced? Register the webhook again to get a new secret", e);
        }
    }

    private SecretKey key() {
        if (key == null) {
            synchronized (this) {
                if (key == null) {
                    key = new SecretKeySpec(loadOrCreate(keyFile()), "AES");
                }
            }
        }
        return key;
    }

    private static byte[] loadOrCreate(Path file) {
        try {
            if (Files.isRegularFile(file)) {
                if (posix() && !Files.getPosixFilePermissions(file).equals(OWNER_ONLY)) {
                    Files.setPosixFilePermissions(file, OWNER_ONLY);
                }
                return Base64.getDecoder().decode(Files.readString(file).strip());
            }
            byte[] fresh = new byte[32];
            RANDOM.nextBytes(fresh);
            Path dir = file.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            Path partial = posix()
                    ? Files.createTempFile(dir, ".webhook-secrets", ".tmp",
                            PosixFilePermissions.asFileAttribute(OWNER_ONLY))
                    : Files.createTempFile(dir, ".webhook-secrets", ".tmp");
            Files.writeString(partial, Base64.getEncoder().encodeToString(fresh) + "\n");
            try {
                Files.createLink(file, partial); // fails, rather than replacing, when another process made one first
            } catch (java.nio.file.FileAlreadyExistsException raced) {
                // keep theirs
            } finally {
                Files.deleteIfExists(partial);
            }
            return Base64.getDecoder().decode(Files.readString(file).strip());
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read or create the webhook key " + file
                    + ": make the TuneForge home writable", e);
        }
    }

    private static boolean posix() {
        return FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
    }
}
