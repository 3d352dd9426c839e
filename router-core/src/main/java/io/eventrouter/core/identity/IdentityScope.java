package io.eventrouter.core.identity;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;

/**
 * The namespace that identities live in: one Amplitude project, known by a digest of its API key.
 *
 * <p>Ids of different projects never link, because Amplitude keeps separate users per project.
 * The scope stores a digest rather than the key itself, so that an identity store, its files and
 * its Redis keys never contain a credential.
 *
 * @param value 16 lowercase hex digits
 */
public record IdentityScope(String value) {

    public IdentityScope {
        Objects.requireNonNull(value, "value");
        if (!value.matches("[0-9a-f]{16}")) {
            throw new IllegalArgumentException("An identity scope is 16 lowercase hex digits, but was '"
                    + value + "'");
        }
    }

    /** Returns the scope of the project that {@code apiKey} belongs to: the first 8 bytes of its SHA-256. */
    public static IdentityScope ofApiKey(String apiKey) {
        Objects.requireNonNull(apiKey, "apiKey");
        byte[] digest = sha256().digest(apiKey.getBytes(StandardCharsets.UTF_8));
        return new IdentityScope(HexFormat.of().formatHex(digest, 0, 8));
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        }
        catch (NoSuchAlgorithmException ex) {
            throw new IllegalStateException("Every Java runtime provides SHA-256", ex);
        }
    }

    @Override
    public String toString() {
        return this.value;
    }

}
