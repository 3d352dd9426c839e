package io.eventrouter.benchmark.identity;

import java.util.SplittableRandom;
import java.util.UUID;

import io.eventrouter.core.identity.DeviceLink;
import io.eventrouter.core.identity.EmbeddedIdentityStore;
import io.eventrouter.core.identity.IdentityScope;
import io.eventrouter.core.identity.UserActivity;

/**
 * People with one browser each: a random UUID device id and a 22-character user id, linked both
 * ways in the embedded store, the two links the stitcher records for one person. An identity in
 * these benchmarks is such a person.
 */
final class Population {

    static final IdentityScope SCOPE = IdentityScope.ofApiKey("benchmark-api-key");

    /** The session every user's activity starts with: 2024-12-04T12:00Z in milliseconds. */
    static final long SESSION = 1_733_313_600_000L;

    final String[] deviceIds;

    final String[] userIds;

    private Population(String[] deviceIds, String[] userIds) {
        this.deviceIds = deviceIds;
        this.userIds = userIds;
    }

    /** Makes the ids of {@code size} people, the same ones for the same seed. */
    static Population generate(int size, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        String[] deviceIds = new String[size];
        String[] userIds = new String[size];
        for (int index = 0; index < size; index++) {
            deviceIds[index] = new UUID(random.nextLong(), random.nextLong()).toString();
            userIds[index] = String.format("user-%017d", index);
        }
        return new Population(deviceIds, userIds);
    }

    int size() {
        return this.deviceIds.length;
    }

    /**
     * Returns a store large enough to keep every person's links in its current generations.
     * Each segment keeps half of its room for the previous generation, so five links of room per
     * person leave two and a half for the two links, with room to spare because links spread
     * over the segments unevenly.
     */
    EmbeddedIdentityStore newStore() {
        return EmbeddedIdentityStore.inMemory(Math.max(1_000, size() * 5));
    }

    /** Records both links of every person. */
    void populate(EmbeddedIdentityStore store) {
        for (int index = 0; index < size(); index++) {
            store.recordDeviceLink(SCOPE, this.deviceIds[index], new DeviceLink(this.userIds[index], SESSION)).block();
            store.recordUserActivity(SCOPE, this.userIds[index],
                    new UserActivity(this.deviceIds[index], SESSION, SESSION)).block();
        }
    }

}
