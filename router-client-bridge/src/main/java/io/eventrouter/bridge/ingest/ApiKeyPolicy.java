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
 */
public final class ApiKeyPolicy {

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
        }
        upstreamKeys.forEach((key, upstream) -> {
            if (upstream == null || upstream.isBlank()) {
                throw new IllegalArgumentException("The upstream key for an allowed API key must not be blank");
            }
        });
        return new ApiKeyPolicy(keys, upstreamKeys);
    }

    /** Returns whether every key is accepted, because none is listed. */
    public boolean isOpen() {
        return this.allowed.isEmpty();
    }

    public boolean accepts(String apiKey) {
        return isOpen() || this.allowed.contains(apiKey);
    }

    /** Returns the key to send upstream for a key this policy accepts. */
    public String upstreamKey(String apiKey) {
        return this.upstreamKeys.getOrDefault(apiKey, apiKey);
    }

}
