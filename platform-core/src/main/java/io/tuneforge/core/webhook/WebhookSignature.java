package io.tuneforge.core.webhook;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * HMAC-SHA256 signature of a webhook body, sent as {@code X-TuneForge-Signature: sha256=<hex>}. A receiver
 * recomputes it over the raw body with the shared secret and compares in constant time ({@link #verify}).
 */
public final class WebhookSignature {

    /** The header carrying the signature. */
    public static final String HEADER = "X-TuneForge-Signature";

    private WebhookSignature() {
    }

    /** {@code sha256=<hex HMAC-SHA256(secret, body)>}. */
    public static String sign(String secret, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return "sha256=" + HexFormat.of().formatHex(mac.doFinal(body));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HMAC-SHA256 unavailable", e);
        }
    }

    /** True when {@code header} is the signature of {@code body} under {@code secret}. */
    public static boolean verify(String secret, byte[] body, String header) {
        return header != null && MessageDigest.isEqual(sign(secret, body).getBytes(StandardCharsets.US_ASCII),
                header.getBytes(StandardCharsets.US_ASCII));
    }
}
