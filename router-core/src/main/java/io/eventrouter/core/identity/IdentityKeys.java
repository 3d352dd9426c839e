package io.eventrouter.core.identity;

/**
 * Hashes an id with its scope and kind into the 64-bit key of an {@link IdentityTable}.
 *
 * <p>The mixing follows the pattern of multiply-rotate hashes with a final avalanche step (the
 * finalizer of MurmurHash3), so that ids differing in one character, such as sequential user
 * ids, spread over all bits; the tables use the low bits and the segments the high bits.
 */
final class IdentityKeys {

    private static final long MULTIPLIER = 0x9E3779B97F4A7C15L;

    private IdentityKeys() {
    }

    /** Returns the key of {@code id} of the given kind in {@code scope}; never 0, which marks free slots. */
    static long of(IdentityScope scope, LinkKind kind, String id) {
        long hash = mix(0x243F6A8885A308D3L, scope.value());
        hash = (hash ^ kind.code()) * MULTIPLIER;
        hash = mix(hash, id);
        hash = finish(hash ^ id.length());
        return (hash != 0) ? hash : 1;
    }

    private static long mix(long seed, String text) {
        long hash = seed;
        for (int index = 0; index < text.length(); index++) {
            hash = Long.rotateLeft((hash ^ text.charAt(index)) * MULTIPLIER, 27);
        }
        return hash;
    }

    private static long finish(long value) {
        long hash = value;
        hash ^= hash >>> 33;
        hash *= 0xFF51AFD7ED558CCDL;
        hash ^= hash >>> 33;
        hash *= 0xC4CEB93F53A5C1E3L;
        hash ^= hash >>> 33;
        return hash;
    }

}
