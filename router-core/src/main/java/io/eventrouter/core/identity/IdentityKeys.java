package io.eventrouter.core.identity;

/**
 * Hashes an id with its scope and kind into the 64-bit key of an {@link IdentityTable}.
 *
 * <p>The mixing follows the pattern of multiply-rotate hashes with a final avalanche step (the
 * finalizer of MurmurHash3), so that ids differing in one character, such as sequential user
 * ids, spread over all bits; the tables use the low bits and the segments the high bits.
 *
 * <p>Keys are written to the embedded store's log, so this function must never change: a
 * different hash would lose every link recorded before an upgrade.
 */
final class IdentityKeys {

    private static final long MULTIPLIER = 0x9E3779B97F4A7C15L;

    /**
     * The hash state after the scope and kind of the last scope hashed. Most routers serve one
     * project, and hashing its 16 characters again for every id adds about a third to hashing a
     * UUID device id.
     */
    private static volatile Seeds lastSeeds = Seeds.of(new IdentityScope("0000000000000000"));

    private IdentityKeys() {
    }

    /** Returns the key of {@code id} of the given kind in {@code scope}; never 0, which marks free slots. */
    static long of(IdentityScope scope, LinkKind kind, String id) {
        Seeds seeds = lastSeeds;
        if (!seeds.scope().equals(scope)) {
            seeds = Seeds.of(scope);
            lastSeeds = seeds;
        }
        long hash = mix(seeds.byKind()[kind.ordinal()], id);
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

    /** The hash state after a scope and each kind, indexed by the kind's ordinal. */
    private record Seeds(IdentityScope scope, long[] byKind) {

        static Seeds of(IdentityScope scope) {
            long scopeHash = mix(0x243F6A8885A308D3L, scope.value());
            LinkKind[] kinds = LinkKind.values();
            long[] byKind = new long[kinds.length];
            for (LinkKind kind : kinds) {
                byKind[kind.ordinal()] = (scopeHash ^ kind.code()) * MULTIPLIER;
            }
            return new Seeds(scope, byKind);
        }

    }

}
