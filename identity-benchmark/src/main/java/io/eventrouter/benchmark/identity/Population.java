package io.eventrouter.benchmark.identity;

import java.nio.charset.StandardCharsets;
import java.util.UUID;

import io.eventrouter.core.identity.DeviceLink;
import io.eventrouter.core.identity.EmbeddedIdentityStore;
import io.eventrouter.core.identity.IdentityScope;
import io.eventrouter.core.identity.UserActivity;

/**
 * People with one browser each: a random-looking UUID device id and a 22-character user id,
 * linked both ways in the embedded store, the two links the stitcher records for one person. An
 * identity in these benchmarks is such a person.
 *
 * <p>The ids are made from the person's index whenever they are needed rather than kept in
 * arrays. A request brings its ids along, fresh in the processor's cache. Reading them from an
 * array of ten million would add a cache miss that only the benchmark has. Making them costs the
 * same at every size, and it is counted in every score.
 */
final class Population {

    static final IdentityScope SCOPE = IdentityScope.ofApiKey("benchmark-api-key");

    /** The session every user's activity starts with: 2024-12-04T12:00Z in milliseconds. */
    static final long SESSION = 1_733_313_600_000L;

    private static final byte[] USER_ID_TEMPLATE = "user-00000000000000000".getBytes(StandardCharsets.US_ASCII);

    private final int size;

    private final long seed;

    private Population(int size, long seed) {
        this.size = size;
        this.seed = seed;
    }

    /** Returns {@code size} people, the same ones for the same seed. */
    static Population of(int size, long seed) {
        return new Population(size, seed);
    }

    int size() {
        return this.size;
    }

    /** Returns the device id of person {@code index}: a UUID from two hashes of the index. */
    String deviceId(int index) {
        long base = this.seed * 0x1_0000_0000L + index;
        return new UUID(mix(2 * base), mix(2 * base + 1)).toString();
    }

    /** Returns the user id of person {@code index}: {@code user-} and the index in 17 digits. */
    static String userId(int index) {
        byte[] id = USER_ID_TEMPLATE.clone();
        int rest = index;
        for (int position = id.length - 1; rest > 0; position--) {
            id[position] = (byte) ('0' + rest % 10);
            rest /= 10;
        }
        return new String(id, StandardCharsets.US_ASCII);
    }

    /**
     * Returns a store large enough to keep every person's links in its current generations.
     * Each segment keeps half of its room for the previous generation, so five links of room per
     * person leave two and a half for the two links, with room to spare because links spread
     * over the segments unevenly.
     */
    EmbeddedIdentityStore newStore() {
        return EmbeddedIdentityStore.inMemory(Math.max(1_000, this.size * 5));
    }

    /** Records both links of every person. */
    void populate(EmbeddedIdentityStore store) {
        for (int index = 0; index < this.size; index++) {
            String deviceId = deviceId(index);
            String userId = userId(index);
            store.recordDeviceLinkNow(SCOPE, deviceId, new DeviceLink(userId, SESSION));
            store.recordUserActivityNow(SCOPE, userId, new UserActivity(deviceId, SESSION, SESSION));
        }
    }

    /** The finalizer of SplitMix64: consecutive inputs give unrelated outputs. */
    private static long mix(long value) {
        long z = value * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

}
