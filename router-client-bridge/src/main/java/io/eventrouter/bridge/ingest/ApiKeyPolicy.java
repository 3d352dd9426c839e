package io.eventrouter.bridge.ingest;

import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * The API keys the bridge accepts, and the key each one becomes upstream.
 *
 * <p>With an allow-list the bridge is no open relay: any other key gets Amplitude's invalid-key
 * response. A key may also map to a different upstream key, so a site can publish one key while
 * the project's real key stays on the server. Without any listed key, every key passes unchanged.
 *
 * <p>No policy accepts a key longer than {@value #MAX_KEY_LENGTH} characters. Amplitude's keys
 * have 32, and the spool stores a key in at most 65,535 bytes of UTF-8, so a longer key gets the
 * invalid-key response rather than failing once its events are accepted.
 */
public final class ApiKeyPolicy {

    /** The longest API key any policy accepts, in characters. */
    public static final int MAX_KEY_LENGTH = 1024;

    private static final ApiKeyPolicy PASS_THROUGH = new ApiKeyPolicy(Set.of(), Map.of());

    private final Set<String> allowed;

    private final Map<String, String> upstreamKeys;

    private ApiKeyPolicy(Set<String> allowed, Map<String, String> upstreamKeys) {
        this.allowed = Set.copyOf(allowed);
        this.upstreamKeys = Map.copyOf(upstreamKeys);
    }

    /** Accepts every key and forwards it unchanged. */
    public static ApiKeyPolicy passThrough() {
        return PASS_THROUGH;
    }

    /**
     * Accepts the keys in {@code allowed} and the keys of {@code upstreamKeys}; the latter are
     * replaced by their values upstream. Both empty means {@link #passThrough()}.
     *
     * @throws IllegalArgumentException for a blank key
     */
    public static ApiKeyPolicy of(Collection<String> allowed, Map<String, String> upstreamKeys) {
        Set<String> keys = new LinkedHashSet<>(allowed);
        keys.addAll(upstreamKeys.keySet());
        for (String key : keys) {
            if (key == null || key.isBlank()) {
                throw new IllegalArgumentException("An allowed API key must not be blank");
            }
            if (key.length() > MAX_KEY_LENGTH) {
                throw new IllegalArgumentException("An allowed API key must have at most " + MAX_KEY_LENGTH
                        + " characters, but one has " + key.length());
            }
        }
        upstreamKeys.forEach((key, upstream) -> {
            if (upstream == null || upstream.isBlank()) {
                throw new IllegalArgumentException("The upstream key for an allowed API key must not be blank");
            }
            if (upstream.length() > MAX_KEY_LENGTH) {
                throw new IllegalArgumentException("An upstream API key must have at most " + MAX_KEY_LENGTH
                        + " characters, but one has " + upstream.length());
            }
        });
        return new ApiKeyPolicy(keys, upstreamKeys);
    }

    /** Returns whether every key is accepted, because none is listed. */
    public boolean isOpen() {
        return this.allowed.isEmpty();
    }

    /** Returns whether the key is listed, or, when none is, whether it is at most {@link #MAX_KEY_LENGTH} long. */
    public boolean accepts(String apiKey) {
        return (isOpen() && apiKey.length() <= MAX_KEY_LENGTH) || this.allowed.contains(apiKey);
    }

    /** Returns the key to send upstream for a key this policy accepts. */
    public String upstreamKey(String apiKey) {
        return this.upstreamKeys.getOrDefault(apiKey, apiKey);
    }

}
